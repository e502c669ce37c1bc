package io.karst.bdev.core.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.ClaimType;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.Sizes;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** Turns command-line style arguments into normalised, checked parameters of a bdev type. Pure. */
final class ArgumentParser {
    private ArgumentParser() {
    }

    /** Positional values fill the type's parameters in order; {@code key=value} names one explicitly. */
    static Map<String, String> byName(String type, List<Parameter> params, List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        int next = 0;
        for (String arg : args) {
            int eq = arg.indexOf('=');
            String key = eq > 0 ? arg.substring(0, eq) : null;
            if (key != null && (isParameter(params, key) || key.equals(BdevType.UUID))) {
                put(out, key, arg.substring(eq + 1));
                continue;
            }
            while (next < params.size() && out.containsKey(params.get(next).name())) {
                next++;
            }
            if (next >= params.size()) {
                throw new BdevException(BdevException.Reason.INVALID, "too many arguments for " + type + ": '" + arg
                        + "'");
            }
            put(out, params.get(next++).name(), arg);
        }
        return out;
    }

    private static void put(Map<String, String> out, String key, String value) {
        if (out.putIfAbsent(key, value) != null) {
            throw new BdevException(BdevException.Reason.INVALID, "parameter " + key + " given twice");
        }
    }

    private static boolean isParameter(List<Parameter> params, String key) {
        for (Parameter p : params) {
            if (p.name().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks and normalises named values: unknown names and missing required ones are refused, sizes become
     * bytes, booleans true/false, paths absolute; absent optionals get their defaults.
     */
    static Map<String, String> normalise(String type, List<Parameter> params, Map<String, String> given,
                                         BdevRegistry registry) {
        return normalise(type, params, given, registry, true);
    }

    /**
     * As {@link #normalise(String, List, Map, BdevRegistry)}; with {@code checkBases} false, base bdevs are taken as
     * they are (a bdev being reconfigured already holds its base).
     */
    static Map<String, String> normalise(String type, List<Parameter> params, Map<String, String> given,
                                         BdevRegistry registry, boolean checkBases) {
        for (String key : given.keySet()) {
            if (!isParameter(params, key) && !key.equals(BdevType.UUID)) {
                throw new BdevException(BdevException.Reason.INVALID, "unknown parameter '" + key + "' for " + type
                        + " (parameters: " + String.join(", ", params.stream().map(Parameter::name).toList()) + ")");
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Parameter p : params) {
            String raw = given.get(p.name());
            if (raw == null || raw.isEmpty()) {
                if (p.required()) {
                    throw new BdevException(BdevException.Reason.INVALID, type + " needs " + p.name() + ": "
                            + p.description());
                }
                raw = p.defaultValue();
                if (raw == null) {
                    continue;
                }
            }
            out.put(p.name(), p.kind() == Parameter.Kind.BDEV && !checkBases ? raw.trim()
                    : value(p, raw.trim(), registry));
        }
        String uuid = given.get(BdevType.UUID);
        if (uuid != null && !uuid.isBlank()) {
            out.put(BdevType.UUID, value(new Parameter(BdevType.UUID, "", Parameter.Kind.UUID, false, null), uuid.trim(),
                    registry));
        }
        return out;
    }

    private static String value(Parameter p, String raw, BdevRegistry registry) {
        try {
            return switch (p.kind()) {
                case SIZE -> Long.toString(Sizes.parse(raw));
                case INTEGER -> Long.toString(Long.parseLong(raw));
                case BOOLEAN -> Boolean.toString(bool(raw));
                case UUID -> UUID.fromString(raw).toString();
                case PATH -> Path.of(raw).toAbsolutePath().normalize().toString();
                case BDEV -> {
                    Bdev base = registry.find(raw).orElseThrow(() -> new BdevException(
                            BdevException.Reason.NOT_FOUND, "no bdev named " + raw + " (for " + p.name() + ")"));
                    for (Bdev.Holder h : base.holders()) {
                        if (h.writable() || h.claim() != ClaimType.NONE) {
                            throw new BdevException(BdevException.Reason.CLAIMED, "bdev " + raw + " cannot be claimed"
                                    + " as a base: " + h.holder() + " has it open" + (h.writable() ? " for writing"
                                    : "") + (h.claim() == ClaimType.NONE ? "" : " with a " + h.claim().spdkName()
                                    + " claim"));
                        }
                    }
                    yield raw;
                }
                case STRING -> raw;
            };
        } catch (BdevException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BdevException(BdevException.Reason.INVALID, "bad value for " + p.name() + ": '" + raw + "'"
                    + (e.getMessage() != null && p.kind() == Parameter.Kind.SIZE ? " (" + e.getMessage() + ")" : ""));
        }
    }

    private static boolean bool(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        };
    }
}
