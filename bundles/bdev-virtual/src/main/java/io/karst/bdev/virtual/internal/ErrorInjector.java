package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevException;
import io.karst.bdev.IoType;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Finds error bdevs by name for the shell (and later RPC): {@code bdev:inject-error}. */
@Component(service = ErrorInjector.class)
public final class ErrorInjector {
    private final Map<String, ErrorBdev> byName = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void add(ErrorBdevComponent c) {
        byName.put(c.bdev().name, c.bdev());
    }

    void remove(ErrorBdevComponent c) {
        byName.remove(c.bdev().name, c.bdev());
    }

    public ErrorBdev find(String name) {
        ErrorBdev b = byName.get(name);
        if (b == null) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "no error bdev named " + name + " (error bdevs: "
                    + String.join(", ", new TreeMap<>(byName).keySet()) + ")");
        }
        return b;
    }

    /** Injects into one type, or every type when {@code ioType} is "all". */
    public void inject(String name, String ioType, String injection, int count) {
        ErrorBdev b = find(name);
        IoType type = null;
        if (!"all".equalsIgnoreCase(ioType)) {
            type = parseType(ioType);
        }
        ErrorBdev.Injection inj;
        try {
            inj = ErrorBdev.Injection.valueOf(injection.toUpperCase(java.util.Locale.ROOT).replace("CORRUPT_DATA",
                    "CORRUPT"));
        } catch (IllegalArgumentException e) {
            throw new BdevException(BdevException.Reason.INVALID, "unknown error type '" + injection + "' (failure,"
                    + " nomem, nospace, medium, corrupt, pending)");
        }
        b.inject(type, inj, count);
    }

    public List<String> injections(String name) {
        return find(name).injections();
    }

    static IoType parseType(String s) {
        for (IoType t : IoType.values()) {
            if (t.spdkName().equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new BdevException(BdevException.Reason.INVALID, "unknown I/O type '" + s + "' (read, write, flush,"
                + " unmap, write_zeroes, reset, compare, compare_and_write, all)");
    }
}
