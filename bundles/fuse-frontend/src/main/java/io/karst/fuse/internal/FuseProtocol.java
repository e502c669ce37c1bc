package io.karst.fuse.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The kernel's FUSE protocol (linux/fuse.h, 7.x): opcodes, flags, structure sizes, and pure encoders of the
 * replies. Requests and replies are little-endian structures on the FUSE device; one read is one request, one
 * write one reply.
 */
final class FuseProtocol {
    static final int KERNEL_VERSION = 7;
    /** The minor version this implementation speaks (the kernel answers with the lower of both). */
    static final int KERNEL_MINOR_VERSION = 38;
    /** The oldest minor version accepted: 7.28 brought max_pages and the 64-byte init reply this code writes. */
    static final int MIN_MINOR_VERSION = 28;

    static final long ROOT_ID = 1;

    // opcodes
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int READLINK = 5;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RMDIR = 11;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int FSYNCDIR = 30;
    static final int GETLK = 31;
    static final int SETLK = 32;
    static final int SETLKW = 33;
    static final int ACCESS = 34;
    static final int CREATE = 35;
    static final int INTERRUPT = 36;
    static final int BMAP = 37;
    static final int DESTROY = 38;
    static final int IOCTL = 39;
    static final int POLL = 40;
    static final int BATCH_FORGET = 42;
    static final int FALLOCATE = 43;
    static final int READDIRPLUS = 44;
    static final int RENAME2 = 45;
    static final int LSEEK = 46;
    static final int COPY_FILE_RANGE = 47;
    static final int SYNCFS = 50;
    static final int TMPFILE = 51;

    // notifications (unique 0, error = code)
    static final int NOTIFY_INVAL_INODE = 2;

    // INIT flags
    static final int ASYNC_READ = 1;
    static final int ATOMIC_O_TRUNC = 1 << 3;
    static final int BIG_WRITES = 1 << 5;
    static final int ASYNC_DIO = 1 << 15;
    static final int PARALLEL_DIROPS = 1 << 18;
    static final int MAX_PAGES = 1 << 22;
    static final int INIT_EXT = 1 << 30;
    /** flags2 (the high word): shared mmap of direct-I/O files (7.39). */
    static final int DIRECT_IO_ALLOW_MMAP_HIGH = 1 << (36 - 32);

    // OPEN reply flags
    static final int FOPEN_DIRECT_IO = 1;
    static final int FOPEN_KEEP_CACHE = 1 << 1;
    static final int FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;

    // setattr valid bits
    static final int FATTR_MODE = 1;
    static final int FATTR_UID = 1 << 1;
    static final int FATTR_GID = 1 << 2;
    static final int FATTR_SIZE = 1 << 3;
    static final int FATTR_ATIME = 1 << 4;
    static final int FATTR_MTIME = 1 << 5;

    // fallocate modes
    static final int FALLOC_FL_KEEP_SIZE = 1;
    static final int FALLOC_FL_PUNCH_HOLE = 2;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // open(2) flags
    static final int O_ACCMODE = 3;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_SYNC = 04010000;
    static final int O_DSYNC = 010000;

    // file types in st_mode and dirents
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int DT_DIR = 4;
    static final int DT_REG = 8;

    // sizes
    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;
    static final int ATTR = 88;
    static final int ENTRY_OUT = 40 + ATTR;
    static final int ATTR_OUT = 16 + ATTR;
    static final int OPEN_OUT = 16;
    static final int WRITE_OUT = 8;
    static final int STATFS_OUT = 80;
    static final int INIT_OUT = 64;
    static final int READ_IN = 40;
    static final int WRITE_IN = 40;
    static final int NAME_MAX = 255;

    private FuseProtocol() {
    }

    /** A request's fixed header, read from a buffer at an absolute offset. */
    record Header(int len, int opcode, long unique, long nodeId, int uid, int gid, int pid) {
        static Header read(ByteBuffer b, int at) {
            return new Header(b.getInt(at), b.getInt(at + 4), b.getLong(at + 8), b.getLong(at + 16),
                    b.getInt(at + 24), b.getInt(at + 28), b.getInt(at + 32));
        }
    }

    /** Thrown for a request that is shorter than its opcode's arguments or otherwise malformed. */
    static final class MalformedRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** Checks that a request of {@code len} bytes carries at least {@code argBytes} of arguments. */
    static void requireArgs(int len, int argBytes, int opcode) {
        if (len < IN_HEADER + argBytes) {
            throw new MalformedRequest("request " + opcode + " of " + len + " bytes, needs " + (IN_HEADER + argBytes));
        }
    }

    /**
     * A NUL-terminated name in the arguments ({@code from} absolute, {@code end} exclusive), as UTF-8. Returns null
     * when it is not terminated within the request, empty, longer than NAME_MAX, not UTF-8, or contains a slash.
     */
    static String name(ByteBuffer b, int from, int end) {
        int n = 0;
        while (from + n < end && b.get(from + n) != 0) {
            n++;
        }
        if (from + n >= end || n == 0 || n > NAME_MAX) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(from, bytes);
        for (byte c : bytes) {
            if (c == '/') {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            // not UTF-8: no bdev or status file has such a name
            return null;
        }
    }

    /** Writes an out header at {@code at}. */
    static void putOutHeader(ByteBuffer b, int at, int len, int error, long unique) {
        b.putInt(at, len);
        b.putInt(at + 4, error);
        b.putLong(at + 8, unique);
    }

    /** The attributes of a node: the subset of struct stat FUSE carries. */
    record Attr(long ino, long size, int mode, int nlink, int uid, int gid, int blksize, long mtimeSeconds) {
        void write(ByteBuffer b, int at) {
            b.putLong(at, ino);
            b.putLong(at + 8, size);
            b.putLong(at + 16, (size + 511) / 512);
            b.putLong(at + 24, mtimeSeconds);
            b.putLong(at + 32, mtimeSeconds);
            b.putLong(at + 40, mtimeSeconds);
            b.putInt(at + 48, 0);
            b.putInt(at + 52, 0);
            b.putInt(at + 56, 0);
            b.putInt(at + 60, mode);
            b.putInt(at + 64, nlink);
            b.putInt(at + 68, uid);
            b.putInt(at + 72, gid);
            b.putInt(at + 76, 0);
            b.putInt(at + 80, blksize);
            b.putInt(at + 84, 0);
        }
    }

    /** fuse_entry_out at {@code at}; returns its size. */
    static int putEntry(ByteBuffer b, int at, Attr attr, long entryValidMillis, long attrValidMillis) {
        b.putLong(at, attr.ino());
        b.putLong(at + 8, 0);
        b.putLong(at + 16, entryValidMillis / 1000);
        b.putLong(at + 24, attrValidMillis / 1000);
        b.putInt(at + 32, (int) (entryValidMillis % 1000) * 1_000_000);
        b.putInt(at + 36, (int) (attrValidMillis % 1000) * 1_000_000);
        attr.write(b, at + 40);
        return ENTRY_OUT;
    }

    /** fuse_attr_out at {@code at}; returns its size. */
    static int putAttrOut(ByteBuffer b, int at, Attr attr, long attrValidMillis) {
        b.putLong(at, attrValidMillis / 1000);
        b.putInt(at + 8, (int) (attrValidMillis % 1000) * 1_000_000);
        b.putInt(at + 12, 0);
        attr.write(b, at + 16);
        return ATTR_OUT;
    }

    /** fuse_open_out at {@code at}; returns its size. */
    static int putOpenOut(ByteBuffer b, int at, long fh, int openFlags) {
        b.putLong(at, fh);
        b.putInt(at + 8, openFlags);
        b.putInt(at + 12, 0);
        return OPEN_OUT;
    }

    /**
     * One fuse_dirent at {@code at} if it fits before {@code limit}; returns its (8-byte aligned) size, or -1 when it
     * does not fit.
     */
    static int putDirent(ByteBuffer b, int at, int limit, long ino, long nextOffset, int type, byte[] name) {
        int size = (24 + name.length + 7) & ~7;
        if (at + size > limit) {
            return -1;
        }
        b.putLong(at, ino);
        b.putLong(at + 8, nextOffset);
        b.putInt(at + 16, name.length);
        b.putInt(at + 20, type);
        b.put(at + 24, name);
        for (int i = 24 + name.length; i < size; i++) {
            b.put(at + i, (byte) 0);
        }
        return size;
    }

    /** fuse_kstatfs in fuse_statfs_out at {@code at}; returns its size. */
    static int putStatfs(ByteBuffer b, int at, long blocks, int bsize, long files) {
        for (int i = 0; i < STATFS_OUT; i += 8) {
            b.putLong(at + i, 0);
        }
        b.putLong(at, blocks);
        b.putLong(at + 24, files);
        b.putInt(at + 40, bsize);
        b.putInt(at + 44, NAME_MAX);
        b.putInt(at + 48, bsize);
        return STATFS_OUT;
    }

    /** What the frontend asks for in its INIT reply. */
    record InitReply(int minor, int maxReadahead, int flags, int flags2, int maxBackground, int congestionThreshold,
                     int maxWrite, int maxPages) {
        int write(ByteBuffer b, int at) {
            for (int i = 0; i < INIT_OUT; i += 8) {
                b.putLong(at + i, 0);
            }
            b.putInt(at, KERNEL_VERSION);
            b.putInt(at + 4, minor);
            b.putInt(at + 8, maxReadahead);
            b.putInt(at + 12, flags);
            b.putShort(at + 16, (short) maxBackground);
            b.putShort(at + 18, (short) congestionThreshold);
            b.putInt(at + 20, maxWrite);
            b.putInt(at + 24, 1); // time granularity: 1 ns
            b.putShort(at + 28, (short) maxPages);
            b.putShort(at + 30, (short) 0);
            b.putInt(at + 32, flags2);
            return INIT_OUT;
        }
    }

    /**
     * Negotiates INIT: the kernel offers {@code major.minor}, {@code flags}/{@code flags2} and its readahead; the
     * reply keeps the flags both sides want.
     *
     * @return the reply, or null when the kernel's protocol is too old (the caller answers EPROTO/EINVAL)
     */
    static InitReply negotiate(int major, int minor, int maxReadahead, int kernelFlags, int kernelFlags2,
                               int maxBackground, int maxWrite) {
        if (major != KERNEL_VERSION || minor < MIN_MINOR_VERSION) {
            return null;
        }
        int want = ASYNC_READ | ATOMIC_O_TRUNC | BIG_WRITES | ASYNC_DIO | PARALLEL_DIROPS | MAX_PAGES;
        int flags = kernelFlags & want;
        int flags2 = 0;
        if ((kernelFlags & INIT_EXT) != 0) {
            flags |= INIT_EXT;
            flags2 = kernelFlags2 & DIRECT_IO_ALLOW_MMAP_HIGH;
        }
        int pages = Math.max(1, maxWrite / 4096);
        int bg = Math.min(Math.max(maxBackground, 1), 65535);
        return new InitReply(Math.min(minor, KERNEL_MINOR_VERSION), maxReadahead, flags, flags2, bg, bg * 3 / 4,
                maxWrite, Math.min(pages, 256));
    }
}
