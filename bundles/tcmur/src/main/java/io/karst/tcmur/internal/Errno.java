package io.karst.tcmur.internal;

/** Names of the errno values handlers return. */
final class Errno {
    private Errno() {
    }

    static String describe(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT: no such file";
            case 5 -> "EIO: I/O error";
            case 9 -> "EBADF";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES: permission denied";
            case 17 -> "EEXIST";
            case 21 -> "EISDIR";
            case 22 -> "EINVAL: invalid argument (wrong size or config string?)";
            case 28 -> "ENOSPC";
            case 30 -> "EROFS";
            case 95 -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }
}
