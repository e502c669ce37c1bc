package io.karst.fuse.internal;

import jnr.ffi.annotations.SaveError;

/**
 * The few C library calls the frontend needs: the FUSE device, the mount and poll. Pointers are passed as
 * addresses ({@code long}) of memory the caller owns (direct buffers).
 */
public interface LibC {
    @SaveError
    int open(String path, int flags);

    @SaveError
    int close(int fd);

    @SaveError
    long read(int fd, long buffer, long count);

    @SaveError
    long write(int fd, long buffer, long count);

    @SaveError
    int poll(long fds, long count, int timeoutMillis);

    @SaveError
    int pipe2(int[] fds, int flags);

    @SaveError
    int mount(String source, String target, String type, long flags, String data);

    @SaveError
    int umount2(String target, int flags);

    @SaveError
    int access(String path, int mode);

    int getuid();

    int getgid();

    String strerror(int errno);
}
