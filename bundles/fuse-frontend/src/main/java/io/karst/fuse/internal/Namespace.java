package io.karst.fuse.internal;

import io.karst.status.StatusFileProvider;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The file system's names: {@code dev/<bdev>} for exported bdevs, {@code proc/...} and {@code sys/...} from the
 * status trees. Node ids are handed out per path and stay with the path for the life of the mount (a path whose
 * kind changes gets a new id), so the kernel's cached ids never point at another file.
 */
final class Namespace {
    enum Kind { DIR, DEV, STATUS }

    record Node(long id, String path, Kind kind) {
        /** The tree of a status node or directory ({@code proc}, {@code sys}), or null. */
        String tree() {
            int slash = path.indexOf('/');
            String first = slash < 0 ? path : path.substring(0, slash);
            return first.equals(StatusFileProvider.PROC) || first.equals(StatusFileProvider.SYS) ? first : null;
        }

        /** The path inside its status tree ("" for the tree's root). */
        String rel() {
            int slash = path.indexOf('/');
            return slash < 0 ? "" : path.substring(slash + 1);
        }

        /** The bdev name of a {@code dev/} file. */
        String bdev() {
            return path.substring(4);
        }
    }

    static final String DEV = "dev";

    private final Predicate<String> exported;
    private final StatusTree status;
    private final Map<String, Node> byPath = new ConcurrentHashMap<>();
    private final Map<Long, Node> byId = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(FuseProtocol.ROOT_ID + 1);

    /** @param exported whether a name is an exported, registered bdev */
    Namespace(Predicate<String> exported, StatusTree status) {
        this.exported = exported;
        this.status = status;
        Node root = new Node(FuseProtocol.ROOT_ID, "", Kind.DIR);
        byPath.put("", root);
        byId.put(root.id(), root);
    }

    Node root() {
        return byId.get(FuseProtocol.ROOT_ID);
    }

    Node byId(long id) {
        return byId.get(id);
    }

    /** The node of an existing path, or null. */
    Node resolve(String path) {
        Kind kind = kindOf(path);
        if (kind == null) {
            return null;
        }
        Node n = byPath.get(path);
        if (n != null && n.kind() == kind) {
            return n;
        }
        synchronized (this) {
            n = byPath.get(path);
            if (n == null || n.kind() != kind) {
                n = new Node(nextId.getAndIncrement(), path, kind);
                byPath.put(path, n);
                byId.put(n.id(), n);
            }
            return n;
        }
    }

    /** Whether a node still exists as what it was. */
    boolean exists(Node n) {
        return n.id() == FuseProtocol.ROOT_ID || kindOf(n.path()) == n.kind();
    }

    static String child(Node dir, String name) {
        return dir.path().isEmpty() ? name : dir.path() + "/" + name;
    }

    /** What a path is now, or null when it does not exist. */
    Kind kindOf(String path) {
        if (path.isEmpty() || path.equals(DEV) || path.equals(StatusFileProvider.PROC)
                || path.equals(StatusFileProvider.SYS)) {
            return Kind.DIR;
        }
        int slash = path.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String first = path.substring(0, slash);
        String rest = path.substring(slash + 1);
        if (first.equals(DEV)) {
            return rest.indexOf('/') < 0 && exported.test(rest) ? Kind.DEV : null;
        }
        if (first.equals(StatusFileProvider.PROC) || first.equals(StatusFileProvider.SYS)) {
            if (status.files(first).containsKey(rest)) {
                return Kind.STATUS;
            }
            return status.isDirectory(first, rest) ? Kind.DIR : null;
        }
        return null;
    }

    /** The entries of a directory, sorted by name, with their kinds. */
    Map<String, Kind> list(Node dir, Iterable<String> bdevNames) {
        Map<String, Kind> out = new TreeMap<>();
        String p = dir.path();
        if (p.isEmpty()) {
            out.put(DEV, Kind.DIR);
            out.put(StatusFileProvider.PROC, Kind.DIR);
            out.put(StatusFileProvider.SYS, Kind.DIR);
        } else if (p.equals(DEV)) {
            for (String b : bdevNames) {
                if (b.indexOf('/') < 0 && exported.test(b)) {
                    out.put(b, Kind.DEV);
                }
            }
        } else if (dir.tree() != null) {
            status.list(dir.tree(), dir.rel()).forEach((name, isDir) -> out.put(name, isDir ? Kind.DIR : Kind.STATUS));
        }
        return out;
    }
}
