package io.karst.fuse.internal;

import io.karst.status.StatusFileProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code proc/} and {@code sys/} trees: the files of every {@link StatusFileProvider} (the frontend's own and
 * those other bundles register), merged. Directories exist because files are in them.
 */
final class StatusTree {
    private static final Logger LOG = Logger.getLogger(StatusTree.class.getName());

    private record Ranked(StatusFileProvider provider, int ranking, long order) {
    }

    private final List<Ranked> providers = new CopyOnWriteArrayList<>();
    private long added;

    synchronized void add(StatusFileProvider provider, int ranking) {
        providers.add(new Ranked(provider, ranking, added++));
    }

    void remove(StatusFileProvider provider) {
        providers.removeIf(r -> r.provider() == provider);
    }

    /** The files of a tree and who serves each. */
    Map<String, StatusFileProvider> files(String tree) {
        List<Ranked> sorted = new ArrayList<>(providers);
        // highest ranking wins; among equals the first registered
        sorted.sort(Comparator.comparingInt(Ranked::ranking).reversed().thenComparingLong(Ranked::order));
        Map<String, StatusFileProvider> out = new HashMap<>();
        for (Ranked r : sorted) {
            StatusFileProvider p = r.provider();
            try {
                if (!tree.equals(p.tree())) {
                    continue;
                }
                for (String path : p.files()) {
                    if (validPath(path)) {
                        out.putIfAbsent(path, p);
                    } else {
                        LOG.log(Level.FINE, "ignoring status file path {0}", path);
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "status file provider " + p + " failed", e);
            }
        }
        return out;
    }

    /** Whether {@code rel} (a path relative to the tree, "" for its root) is a directory of {@code tree}. */
    boolean isDirectory(String tree, String rel) {
        if (rel.isEmpty()) {
            return true;
        }
        String prefix = rel + "/";
        return files(tree).keySet().stream().anyMatch(f -> f.startsWith(prefix));
    }

    /** The entries directly in directory {@code rel} of {@code tree}: name to whether it is a directory. */
    Map<String, Boolean> list(String tree, String rel) {
        String prefix = rel.isEmpty() ? "" : rel + "/";
        Map<String, Boolean> out = new HashMap<>();
        for (String f : files(tree).keySet()) {
            if (!f.startsWith(prefix)) {
                continue;
            }
            String rest = f.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash < 0) {
                out.putIfAbsent(rest, false);
            } else {
                out.put(rest.substring(0, slash), true);
            }
        }
        return out;
    }

    /** The content of a file now, or null when there is no such file. */
    String read(String tree, String rel) {
        StatusFileProvider p = files(tree).get(rel);
        if (p == null) {
            return null;
        }
        try {
            return p.read(rel);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "status file " + tree + "/" + rel + " failed", e);
            return null;
        }
    }

    Set<String> trees() {
        return new TreeSet<>(List.of(StatusFileProvider.PROC, StatusFileProvider.SYS));
    }

    static boolean validPath(String path) {
        if (path == null || path.isEmpty() || path.length() > 4096) {
            return false;
        }
        for (String c : path.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..") || c.length() > FuseProtocol.NAME_MAX
                    || c.indexOf('\0') >= 0) {
                return false;
            }
        }
        return true;
    }
}
