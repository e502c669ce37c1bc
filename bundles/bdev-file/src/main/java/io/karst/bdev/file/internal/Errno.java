package io.karst.bdev.file.internal;

import io.karst.bdev.IoStatus;

/** The Linux errno values the file bdev acts on, and how an errno becomes an {@link IoStatus}. */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EFBIG = 27;
    static final int ENOSPC = 28;
    static final int EROFS = 30;
    static final int ENOSYS = 38;
    static final int ENODATA = 61;
    static final int EBADMSG = 74;
    static final int EOPNOTSUPP = 95;
    static final int EDQUOT = 122;
    static final int ECANCELED = 125;

    private Errno() {
    }

    /** The status a failed read or write completes with. */
    static IoStatus status(int errno) {
        switch (errno) {
            case ENOSPC:
            case EDQUOT:
            case EFBIG:
                return IoStatus.NO_SPACE;
            case ENOMEM:
            case EAGAIN:
                return IoStatus.NO_MEMORY;
            case ECANCELED:
            case EINTR:
                return IoStatus.ABORTED;
            case ENODATA:
            case EBADMSG:
                return IoStatus.MEDIUM_ERROR;
            case ENODEV:
            case ENXIO:
                return IoStatus.REMOVED;
            case EROFS:
                return IoStatus.READ_ONLY;
            case EINVAL:
                return IoStatus.INVALID;
            default:
                return IoStatus.FAILED;
        }
    }

    /** Whether an fallocate mode is not available for this file (so the next way must be tried). */
    static boolean unsupported(int errno) {
        return errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL || errno == ENODEV;
    }
}
