package io.karst.bdev.file.internal;

import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.Out;

/**
 * The native shim ({@code src/main/c/karstfile.c}) as jnr-ffi binds it. Every call returns a non-negative result
 * or a negated errno; none needs jnr's errno capture, hence {@link IgnoreError} everywhere (it keeps the calls on
 * jnr's fast path).
 */
public interface NativeFile {
    @IgnoreError
    int kf_version();

    @IgnoreError
    int kf_abi(@Out long[] out, int n);

    @IgnoreError
    long kf_ring_open(int entries, int flags, @Out long[] info);

    @IgnoreError
    int kf_ring_close(long handle);

    @IgnoreError
    int kf_enter(int ringFd, int toSubmit, int minComplete, int flags);

    @IgnoreError
    int kf_ring_enable(int ringFd);

    @IgnoreError
    int kf_ring_register_eventfd(int ringFd, int eventFd);

    @IgnoreError
    int kf_probe_nowait(int fd);

    @IgnoreError
    int kf_eventfd();

    @IgnoreError
    int kf_eventfd_wait(int eventFd, int timeoutMillis);

    @IgnoreError
    int kf_eventfd_post(int eventFd);

    @IgnoreError
    int kf_open(String path, int flags);

    @IgnoreError
    int kf_close(int fd);

    @IgnoreError
    int kf_stat(int fd, @Out long[] out);

    @IgnoreError
    int kf_fallocate(int fd, int mode, long offset, long length);

    @IgnoreError
    int kf_ftruncate(int fd, long length);

    @IgnoreError
    int kf_fdatasync(int fd);

    @IgnoreError
    long kf_pwrite_all(int fd, long address, long length, long offset);

    @IgnoreError
    String kf_strerror(int err);
}
