package io.karst.rpc.server.internal;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A listening Unix domain socket at a path, owned safely:
 *
 * <ul>
 *   <li>a lock file next to it ({@code <path>.lock}, as SPDK does) tells a live server from a stale socket left by
 *       a crashed one: a live one holds the lock, and the path is then refused instead of stolen;</li>
 *   <li>the socket is bound in a fresh directory of mode 0700, made 0600, and only then renamed into place (which
 *       also replaces a stale socket atomically), so at no moment can another user connect;</li>
 *   <li>closing removes the socket (only if the path is still this socket) and the lock file.</li>
 * </ul>
 */
final class UnixSocketFile implements AutoCloseable {
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final Path lockPath;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ServerSocketChannel channel;
    private final Object fileKey;

    private UnixSocketFile(Path path, Path lockPath, FileChannel lockChannel, FileLock lock, ServerSocketChannel channel,
                           Object fileKey) {
        this.path = path;
        this.lockPath = lockPath;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /**
     * Binds a listening socket at {@code path} (mode 0600), replacing a stale socket file.
     *
     * @throws IOException the path is too long, not a socket, in use by a live server, or not writable
     */
    static UnixSocketFile bind(Path path, int backlog) throws IOException {
        Path socket = path.toAbsolutePath().normalize();
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH_BYTES) {
            throw new IOException("socket path " + socket + " is " + length + " bytes long; a Unix domain socket"
                    + " path has at most " + MAX_PATH_BYTES);
        }
        Path dir = socket.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
            throw new IOException(socket + " exists and is not a socket; not replacing it");
        }
        Path lockPath = socket.resolveSibling(socket.getFileName() + ".lock");
        FileChannel lockChannel = FileChannel.open(lockPath, java.util.Set.of(StandardOpenOption.CREATE,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        FileLock lock = null;
        ServerSocketChannel channel = null;
        Path tmpDir = null;
        try {
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("socket " + socket + " is in use by another running server (it holds "
                        + lockPath + "); give this instance its own socket path");
            }
            tmpDir = Files.createTempDirectory(dir, "." + socket.getFileName() + ".",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = tmpDir.resolve("s");
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(tmp), backlog);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, socket, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return new UnixSocketFile(socket, lockPath, lockChannel, lock, channel, key);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            if (lock != null) {
                lock.release();
            }
            lockChannel.close();
            throw e;
        } finally {
            if (tmpDir != null) {
                Files.deleteIfExists(tmpDir.resolve("s"));
                Files.deleteIfExists(tmpDir);
            }
        }
    }

    static boolean isSocket(Path p) throws IOException {
        Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return mode instanceof Integer m && (m & S_IFMT) == S_IFSOCK;
    }

    Path path() {
        return path;
    }

    ServerSocketChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key != null && key.equals(fileKey)) {
                Files.deleteIfExists(path);
            }
        } catch (NoSuchFileException e) {
            // removed by someone else
        } catch (IOException e) {
            System.getLogger(UnixSocketFile.class.getName()).log(System.Logger.Level.WARNING,
                    "could not remove socket {0}: {1}", path, e.getMessage());
        }
        try {
            Files.deleteIfExists(lockPath);
        } catch (IOException e) {
            // best effort
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
