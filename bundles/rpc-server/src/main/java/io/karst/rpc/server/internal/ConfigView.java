package io.karst.rpc.server.internal;

import io.karst.rpc.RpcCall;
import io.karst.rpc.RpcConfigSource;
import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonValues;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SPDK's JSON configuration as a view of what the {@link RpcConfigSource}s report (Configuration Admin stays the
 * one source of truth): the subsystem list, one subsystem's calls, the whole document, and loading a document by
 * replaying its calls through the method registry.
 */
final class ConfigView {
    /** One subsystem: its source, and who registered it (registration order decides between duplicates). */
    record Subsystem(String name, int order, List<String> dependsOn, RpcConfigSource source, String owner, long registration) {
    }

    /** One call of a document to load, with its position for messages. */
    record Step(String subsystem, String position, String method, Map<String, Object> params) {
        String label() {
            Object name = params.get("name");
            return method + (name instanceof String n ? " " + n : "") + " (" + position + ")";
        }
    }

    private ConfigView() {
    }

    /**
     * Subsystems in save and load order (by {@link RpcConfigSource#order()}, then name; of several with one name
     * the first registered), each with the dependencies that come before it.
     */
    static List<Subsystem> ordered(List<Subsystem> registered) {
        List<Subsystem> byRegistration = new ArrayList<>(registered);
        byRegistration.sort(Comparator.comparingLong(Subsystem::registration));
        Map<String, Subsystem> first = new LinkedHashMap<>();
        for (Subsystem s : byRegistration) {
            first.putIfAbsent(s.name(), s);
        }
        List<Subsystem> sorted = new ArrayList<>(first.values());
        sorted.sort(Comparator.comparingInt(Subsystem::order).thenComparing(Subsystem::name));
        List<Subsystem> out = new ArrayList<>(sorted.size());
        Set<String> before = new HashSet<>();
        for (Subsystem s : sorted) {
            List<String> deps = new ArrayList<>();
            for (String d : s.dependsOn()) {
                if (before.contains(d) && !deps.contains(d)) {
                    deps.add(d);
                }
            }
            out.add(new Subsystem(s.name(), s.order(), List.copyOf(deps), s.source(), s.owner(), s.registration()));
            before.add(s.name());
        }
        return out;
    }

    /** {@code framework_get_subsystems}: {@code [{"subsystem": "bdev", "depends_on": []}, ...]}. */
    static List<Object> subsystemsJson(List<Subsystem> ordered) {
        List<Object> out = new ArrayList<>();
        for (Subsystem s : ordered) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subsystem", s.name());
            m.put("depends_on", s.dependsOn());
            out.add(m);
        }
        return out;
    }

    /** {@code framework_get_config}: the subsystem's calls as {@code [{"method": ..., "params": {...}}, ...]}. */
    static List<Object> configJson(Subsystem s) {
        List<RpcCall> calls = s.source().calls();
        List<Object> out = new ArrayList<>(calls.size());
        for (RpcCall c : calls) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", c.method());
            m.put("params", c.params());
            out.add(m);
        }
        return out;
    }

    /** {@code save_config}: {@code {"subsystems": [{"subsystem": ..., "config": [...]}, ...]}}. */
    static Map<String, Object> document(List<Subsystem> ordered) {
        List<Object> subsystems = new ArrayList<>();
        for (Subsystem s : ordered) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subsystem", s.name());
            m.put("config", configJson(s));
            subsystems.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("subsystems", subsystems);
        return doc;
    }

    /**
     * The calls of a configuration document in document order; a subsystem's {@code config} may be {@code null}
     * or empty, and may hold batch arrays (flattened). Any structural fault fails the whole document, before
     * anything is applied.
     *
     * @throws RpcException {@code -32602} naming the faulty place
     */
    @SuppressWarnings("unchecked")
    static List<Step> steps(Object document) {
        if (!(document instanceof Map<?, ?> doc)) {
            throw RpcException.invalidParams("a configuration is a JSON object with \"subsystems\"");
        }
        Object subsystems = doc.get("subsystems");
        if (!(subsystems instanceof List<?> list)) {
            throw RpcException.invalidParams("\"subsystems\" must be an array");
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String where = "subsystems[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> sub)) {
                throw RpcException.invalidParams(where + " must be an object");
            }
            if (!(sub.get("subsystem") instanceof String name)) {
                throw RpcException.invalidParams(where + ".subsystem must be a string");
            }
            Object config = sub.get("config");
            if (config == null) {
                continue;
            }
            if (!(config instanceof List<?> calls)) {
                throw RpcException.invalidParams(where + ".config must be an array");
            }
            where = name;
            for (int j = 0; j < calls.size(); j++) {
                Object element = calls.get(j);
                List<?> batch = element instanceof List<?> l ? l : List.of(element);
                for (int k = 0; k < batch.size(); k++) {
                    String position = where + " #" + (j + 1) + (element instanceof List<?> ? "." + (k + 1) : "");
                    if (!(batch.get(k) instanceof Map<?, ?> call)) {
                        throw RpcException.invalidParams(position + " must be an object with \"method\"");
                    }
                    if (!(call.get("method") instanceof String method) || method.isEmpty()) {
                        throw RpcException.invalidParams(position + ": \"method\" must be a string");
                    }
                    Object params = call.get("params");
                    if (params != null && !(params instanceof Map<?, ?>)) {
                        throw RpcException.invalidParams(position + ": \"params\" of " + method + " must be an object");
                    }
                    steps.add(new Step(name, position, method,
                            params == null ? Map.of() : (Map<String, Object>) params));
                }
            }
        }
        return steps;
    }

    /** The methods a document calls, in first-use order. */
    static Set<String> methods(List<Step> steps) {
        Set<String> names = new LinkedHashSet<>();
        steps.forEach(s -> names.add(s.method()));
        return names;
    }

    /** Where {@link #apply} finds the current configuration and runs calls. */
    interface Target {
        /** The current calls of a subsystem (empty if it is unknown). */
        List<RpcCall> current(String subsystem);

        Object call(String method, Map<String, Object> params);
    }

    /**
     * Replays the steps in order. A step is skipped when its subsystem already has a call of the same method with
     * all of the step's parameters (so loading a document twice changes nothing the second time); otherwise it is
     * called, and a failure is recorded and the next step goes on.
     *
     * @return the report: {@code {"applied": n, "skipped": n, "failed": n, "calls": [{"subsystem", "method",
     *     "name" (if the params have one), "status": "applied"|"skipped"|"failed", "error": {"code", "message"}}]}}
     */
    static Map<String, Object> apply(List<Step> steps, Target target) {
        Map<String, List<RpcCall>> current = new HashMap<>();
        List<Object> calls = new ArrayList<>();
        int applied = 0;
        int skipped = 0;
        int failed = 0;
        for (Step step : steps) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("subsystem", step.subsystem());
            entry.put("method", step.method());
            if (step.params().get("name") instanceof String name) {
                entry.put("name", name);
            }
            List<RpcCall> existing = current.computeIfAbsent(step.subsystem(), target::current);
            boolean present = existing.stream().anyMatch(c -> c.method().equals(step.method())
                    && JsonValues.containsAll(c.params(), step.params()));
            if (present) {
                entry.put("status", "skipped");
                skipped++;
            } else {
                try {
                    target.call(step.method(), step.params());
                    entry.put("status", "applied");
                    applied++;
                } catch (RpcException e) {
                    entry.put("status", "failed");
                    Map<String, Object> error = new LinkedHashMap<>();
                    error.put("code", e.code());
                    error.put("message", e.getMessage());
                    entry.put("error", error);
                    failed++;
                }
                current.remove(step.subsystem());
            }
            calls.add(entry);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("applied", applied);
        report.put("skipped", skipped);
        report.put("failed", failed);
        report.put("calls", calls);
        return report;
    }

    /** A one-line summary of a report, e.g. {@code 2 applied, 1 skipped, 1 failed: bdev_malloc_create M1 (bdev #2): File exists}. */
    @SuppressWarnings("unchecked")
    static String summary(Map<String, Object> report, List<Step> steps) {
        StringBuilder sb = new StringBuilder();
        sb.append(report.get("applied")).append(" applied, ").append(report.get("skipped")).append(" skipped, ")
                .append(report.get("failed")).append(" failed");
        List<Object> calls = (List<Object>) report.get("calls");
        String sep = ": ";
        for (int i = 0; i < calls.size(); i++) {
            Map<String, Object> c = (Map<String, Object>) calls.get(i);
            if ("failed".equals(c.get("status"))) {
                Map<String, Object> e = (Map<String, Object>) c.get("error");
                sb.append(sep).append(steps.get(i).label()).append(": ").append(e.get("message"))
                        .append(" (").append(e.get("code")).append(')');
                sep = "; ";
            }
        }
        return sb.toString();
    }
}
