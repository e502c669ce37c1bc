package io.karst.rpc.server.internal;

import io.karst.rpc.RpcMethod;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The methods the server offers, by name. Several registrations of one name are kept in registration order; the
 * first one serves, the others wait (and take over, in order, when it goes). Thread-safe.
 */
final class MethodTable {
    private static final System.Logger LOG = System.getLogger(MethodTable.class.getName());

    /** One registration: the method, who registered it (for rpc:methods), and its registration order. */
    record Entry(String name, RpcMethod method, String owner, long order) {
    }

    private final Map<String, List<Entry>> byName = new HashMap<>();
    /** The serving entry of every name; replaced whole on every change, read without a lock. */
    private volatile Map<String, Entry> serving = Map.of();

    /** Adds a registration; false (and a warning) if the name is already served by an earlier one. */
    synchronized boolean add(Entry entry) {
        List<Entry> entries = byName.computeIfAbsent(entry.name(), n -> new ArrayList<>());
        entries.add(entry);
        entries.sort(Comparator.comparingLong(Entry::order));
        Entry first = entries.get(0);
        if (first != entry) {
            LOG.log(System.Logger.Level.WARNING, "JSON-RPC method {0} registered again by {1}: ignored while {2}"
                    + " serves it", entry.name(), entry.owner(), first.owner());
        } else if (entries.size() > 1) {
            // an earlier registration arriving late: it takes over
            LOG.log(System.Logger.Level.WARNING, "JSON-RPC method {0} registered by both {1} and {2}: {1} serves it",
                    entry.name(), entry.owner(), entries.get(1).owner());
        }
        publish();
        return first == entry;
    }

    /** Removes a registration; the next one of the same name, if any, serves from now on. */
    synchronized void remove(String name, RpcMethod method) {
        List<Entry> entries = byName.get(name);
        if (entries == null) {
            return;
        }
        boolean wasServing = !entries.isEmpty() && entries.get(0).method() == method;
        entries.removeIf(e -> e.method() == method);
        if (entries.isEmpty()) {
            byName.remove(name);
        } else if (wasServing) {
            LOG.log(System.Logger.Level.INFO, "JSON-RPC method {0} is now served by {1}", name, entries.get(0).owner());
        }
        publish();
    }

    private void publish() {
        Map<String, Entry> next = new HashMap<>();
        byName.forEach((name, entries) -> next.put(name, entries.get(0)));
        serving = Collections.unmodifiableMap(next);
    }

    Optional<Entry> get(String name) {
        return Optional.ofNullable(serving.get(name));
    }

    boolean contains(String name) {
        return serving.containsKey(name);
    }

    /** The serving entries, sorted by name. */
    TreeMap<String, Entry> snapshot() {
        return new TreeMap<>(serving);
    }
}
