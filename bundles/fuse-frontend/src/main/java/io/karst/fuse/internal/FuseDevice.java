package io.karst.fuse.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An open {@code /dev/fuse}: mounting it, reading requests and writing replies. The device is non-blocking;
 * a worker that finds no request waits in poll(2) on the device and a wake-up pipe, so that stopping never
 * depends on the kernel sending one more request.
 */
final class FuseDevice implements AutoCloseable {
    static final String FS_TYPE = "fuse.karst";

    private static final int O_RDWR = 2;
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final short POLLIN = 1;

    private final Native n;
    final int fd;
    private final int wakeRead;
    private final int wakeWrite;
    private volatile boolean closed;

    private FuseDevice(Native n, int fd, int wakeRead, int wakeWrite) {
        this.n = n;
        this.fd = fd;
        this.wakeRead = wakeRead;
        this.wakeWrite = wakeWrite;
    }

    static FuseDevice open(Native n) throws IOException {
        int fd = n.c.open("/dev/fuse", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            int e = n.errno();
            throw new IOException("cannot open /dev/fuse: " + n.strerror(e)
                    + (e == Errno.ENOENT ? " (no FUSE in this kernel, or /dev/fuse missing)" : ""));
        }
        int[] pipe = new int[2];
        if (n.c.pipe2(pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
            int e = n.errno();
            n.c.close(fd);
            throw new IOException("cannot create a pipe: " + n.strerror(e));
        }
        return new FuseDevice(n, fd, pipe[0], pipe[1]);
    }

    /** Mounts this connection at {@code target} (mount(2): needs CAP_SYS_ADMIN). */
    void mount(Path target, String source, int uid, int gid, boolean allowOther) throws IOException {
        String data = "fd=" + fd + ",rootmode=40000,user_id=" + uid + ",group_id=" + gid + ",default_permissions"
                + (allowOther ? ",allow_other" : "");
        if (n.c.mount(source, target.toString(), FS_TYPE, MS_NOSUID | MS_NODEV, data) < 0) {
            int e = n.errno();
            String why = n.strerror(e);
            if (e == Errno.EPERM) {
                why += ": mounting needs root (CAP_SYS_ADMIN)";
            } else if (e == Errno.ENODEV) {
                why += ": the kernel has no FUSE file system";
            }
            throw new IOException("cannot mount " + target + ": " + why);
        }
    }

    /** Reads one request; returns its length, or -errno (EAGAIN: none waiting; ENODEV: the file system is gone). */
    long read(long address, int length) {
        long r = n.c.read(fd, address, length);
        return r >= 0 ? r : -n.errno();
    }

    /** Writes one reply; returns 0, or -errno (ENOENT: the request was interrupted or aborted meanwhile). */
    int write(long address, int length) {
        long r = n.c.write(fd, address, length);
        return r >= 0 ? 0 : -n.errno();
    }

    /**
     * Waits until a request may be waiting or {@link #wake()} was called.
     *
     * @param pollFds the caller's 16-byte direct buffer (two struct pollfd)
     * @return false when woken to stop
     */
    boolean await(ByteBuffer pollFds, long pollFdsAddress) {
        pollFds.putInt(0, fd);
        pollFds.putShort(4, POLLIN);
        pollFds.putShort(6, (short) 0);
        pollFds.putInt(8, wakeRead);
        pollFds.putShort(12, POLLIN);
        pollFds.putShort(14, (short) 0);
        int r = n.c.poll(pollFdsAddress, 2, -1);
        if (r < 0) {
            return !closed;
        }
        return pollFds.getShort(14) == 0 && !closed;
    }

    /** Wakes every worker waiting in {@link #await} (and all later calls return at once). */
    void wake() {
        closed = true;
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        n.c.write(wakeWrite, n.address(one), 1);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        n.c.close(fd);
        n.c.close(wakeRead);
        n.c.close(wakeWrite);
    }
}
