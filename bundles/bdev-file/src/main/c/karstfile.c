/*
 * Native shim of the Karst file bdev: raw io_uring system calls (no liburing), file opening with
 * O_DIRECT, block-device geometry ioctls, fallocate, ftruncate, fdatasync and an eventfd to sleep on.
 *
 * Conventions: every function returns a non-negative result or -errno; nothing here keeps global state.
 * The Java side (io.karst.bdev.file.internal.NativeFile) calls these through jnr-ffi. The I/O path itself
 * only calls kf_enter: submission and completion entries are read and written by Java in the mmapped rings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <linux/stat.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define KF_VERSION 2

struct kf_ring {
    int fd;
    void *sq_ring;
    size_t sq_ring_size;
    void *cq_ring;
    size_t cq_ring_size;
    void *sqes;
    size_t sqes_size;
};

int kf_version(void) {
    return KF_VERSION;
}

/*
 * Facts from the kernel headers this shim was compiled against, so that the Java side hard-codes no
 * opcode or layout: out[0..] = sizeof sqe, sizeof cqe, offsets of sqe opcode, flags, fd, off, addr, len,
 * rw_flags, user_data, offsets of cqe user_data, res, flags, opcodes READV, WRITEV, READ, WRITE, NOP,
 * IORING_ENTER_GETEVENTS, IORING_CQ_EVENTFD_DISABLED, RWF_DSYNC, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
 * FALLOC_FL_ZERO_RANGE, IORING_SETUP_R_DISABLED, IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_DEFER_TASKRUN.
 */
int kf_abi(int64_t *out, int n) {
    int64_t v[] = {
        sizeof(struct io_uring_sqe), sizeof(struct io_uring_cqe),
        offsetof(struct io_uring_sqe, opcode), offsetof(struct io_uring_sqe, flags),
        offsetof(struct io_uring_sqe, fd), offsetof(struct io_uring_sqe, off),
        offsetof(struct io_uring_sqe, addr), offsetof(struct io_uring_sqe, len),
        offsetof(struct io_uring_sqe, rw_flags), offsetof(struct io_uring_sqe, user_data),
        offsetof(struct io_uring_cqe, user_data), offsetof(struct io_uring_cqe, res),
        offsetof(struct io_uring_cqe, flags),
        IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_NOP,
        IORING_ENTER_GETEVENTS, IORING_CQ_EVENTFD_DISABLED, RWF_DSYNC,
        FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE,
        IORING_SETUP_R_DISABLED, IORING_SETUP_SINGLE_ISSUER, IORING_SETUP_DEFER_TASKRUN,
    };
    int count = (int) (sizeof(v) / sizeof(v[0]));
    if (n < count) {
        return -EINVAL;
    }
    memcpy(out, v, sizeof(v));
    return count;
}

/*
 * Sets up a ring with `entries` submission entries and maps it. Returns a handle (a pointer) or -errno.
 * info[0..19]: ring fd, sq ring address, sq ring size, cq ring address, sqes address, sq entries, cq entries,
 * sq offsets head, tail, ring_mask, flags, array, cq offsets head, tail, ring_mask, overflow, cqes, flags,
 * features, cq ring size.
 */
int64_t kf_ring_open(uint32_t entries, uint32_t flags, int64_t *info) {
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    int fd = (int) syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0) {
        return -errno;
    }
    struct kf_ring *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        close(fd);
        return -ENOMEM;
    }
    r->fd = fd;
    r->sq_ring_size = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    r->cq_ring_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) {
        if (r->cq_ring_size > r->sq_ring_size) {
            r->sq_ring_size = r->cq_ring_size;
        }
        r->cq_ring_size = r->sq_ring_size;
    }
    r->sq_ring = mmap(NULL, r->sq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                      IORING_OFF_SQ_RING);
    if (r->sq_ring == MAP_FAILED) {
        int e = errno;
        close(fd);
        free(r);
        return -e;
    }
    if (single) {
        r->cq_ring = r->sq_ring;
    } else {
        r->cq_ring = mmap(NULL, r->cq_ring_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                          IORING_OFF_CQ_RING);
        if (r->cq_ring == MAP_FAILED) {
            int e = errno;
            munmap(r->sq_ring, r->sq_ring_size);
            close(fd);
            free(r);
            return -e;
        }
    }
    r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) {
        int e = errno;
        if (r->cq_ring != r->sq_ring) {
            munmap(r->cq_ring, r->cq_ring_size);
        }
        munmap(r->sq_ring, r->sq_ring_size);
        close(fd);
        free(r);
        return -e;
    }
    /* identity index array: SQ slot i always names SQE i, so the Java side never writes the array again */
    uint32_t *array = (uint32_t *) ((char *) r->sq_ring + p.sq_off.array);
    for (uint32_t i = 0; i < p.sq_entries; i++) {
        array[i] = i;
    }
    info[0] = fd;
    info[1] = (int64_t) (intptr_t) r->sq_ring;
    info[2] = (int64_t) r->sq_ring_size;
    info[3] = (int64_t) (intptr_t) r->cq_ring;
    info[4] = (int64_t) (intptr_t) r->sqes;
    info[5] = p.sq_entries;
    info[6] = p.cq_entries;
    info[7] = p.sq_off.head;
    info[8] = p.sq_off.tail;
    info[9] = p.sq_off.ring_mask;
    info[10] = p.sq_off.flags;
    info[11] = p.sq_off.array;
    info[12] = p.cq_off.head;
    info[13] = p.cq_off.tail;
    info[14] = p.cq_off.ring_mask;
    info[15] = p.cq_off.overflow;
    info[16] = p.cq_off.cqes;
    info[17] = p.cq_off.flags;
    info[18] = p.features;
    info[19] = (int64_t) r->cq_ring_size;
    return (int64_t) (intptr_t) r;
}

/* Unmaps and closes a ring. The caller guarantees that no request is in flight any more. */
int kf_ring_close(int64_t handle) {
    struct kf_ring *r = (struct kf_ring *) (intptr_t) handle;
    if (r == NULL) {
        return -EINVAL;
    }
    munmap(r->sqes, r->sqes_size);
    if (r->cq_ring != r->sq_ring) {
        munmap(r->cq_ring, r->cq_ring_size);
    }
    munmap(r->sq_ring, r->sq_ring_size);
    int rc = close(r->fd) < 0 ? -errno : 0;
    free(r);
    return rc;
}

int kf_enter(int ring_fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags) {
    int rc = (int) syscall(__NR_io_uring_enter, ring_fd, to_submit, min_complete, flags, NULL, 0);
    return rc < 0 ? -errno : rc;
}

/*
 * Enables a ring set up with IORING_SETUP_R_DISABLED. With IORING_SETUP_SINGLE_ISSUER the calling thread becomes
 * the only one allowed to submit (and, with IORING_SETUP_DEFER_TASKRUN, to reap).
 */
int kf_ring_enable(int ring_fd) {
    int rc = (int) syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_ENABLE_RINGS, NULL, 0);
    return rc < 0 ? -errno : rc;
}

int kf_ring_register_eventfd(int ring_fd, int event_fd) {
    int rc = (int) syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_EVENTFD, &event_fd, 1);
    return rc < 0 ? -errno : rc;
}

int kf_eventfd(void) {
    int fd = eventfd(0, EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/*
 * Sleeps until the eventfd is signalled or timeout_ms passes (-1: no timeout). Returns 1 when it was
 * signalled (the counter is consumed), 0 on timeout, -errno on error. EINTR counts as a timeout.
 */
int kf_eventfd_wait(int event_fd, int timeout_ms) {
    struct pollfd pfd = {.fd = event_fd, .events = POLLIN};
    int rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    if (rc == 0) {
        return 0;
    }
    uint64_t v;
    if (read(event_fd, &v, sizeof(v)) < 0) {
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    }
    return 1;
}

int kf_eventfd_post(int event_fd) {
    uint64_t one = 1;
    return write(event_fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

/* flags: bit 0 writable, bit 1 O_DIRECT, bit 2 create (mode 0644). */
int kf_open(const char *path, int flags) {
    int oflags = O_CLOEXEC | ((flags & 1) ? O_RDWR : O_RDONLY);
    if (flags & 2) {
        oflags |= O_DIRECT;
    }
    if (flags & 4) {
        oflags |= O_CREAT;
    }
    int fd = open(path, oflags, 0644);
    return fd < 0 ? -errno : fd;
}

int kf_close(int fd) {
    return close(fd) < 0 ? -errno : 0;
}

/*
 * What a backing file is. out[0] kind (1 regular file, 2 block device, 0 other), [1] size in bytes,
 * [2] logical block size (block devices; 0 for files), [3] physical block size, [4] st_blksize,
 * [5] direct-I/O memory alignment, [6] direct-I/O offset alignment (0 when the kernel does not say).
 */
int kf_stat(int fd, int64_t *out) {
    struct stat st;
    if (fstat(fd, &st) < 0) {
        return -errno;
    }
    memset(out, 0, 7 * sizeof(int64_t));
    out[4] = st.st_blksize;
    if (S_ISREG(st.st_mode)) {
        out[0] = 1;
        out[1] = st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        uint64_t bytes = 0;
        int lbs = 0;
        unsigned int pbs = 0;
        if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
            return -errno;
        }
        if (ioctl(fd, BLKSSZGET, &lbs) < 0) {
            return -errno;
        }
        if (ioctl(fd, BLKPBSZGET, &pbs) < 0) {
            pbs = (unsigned int) lbs;
        }
        out[0] = 2;
        out[1] = (int64_t) bytes;
        out[2] = lbs;
        out[3] = pbs;
    }
    struct statx sx;
    memset(&sx, 0, sizeof(sx));
    if (syscall(__NR_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 && (sx.stx_mask & STATX_DIOALIGN)) {
        out[5] = sx.stx_dio_mem_align;
        out[6] = sx.stx_dio_offset_align;
    }
    return 0;
}

int kf_fallocate(int fd, int mode, int64_t offset, int64_t length) {
    int rc;
    do {
        rc = fallocate(fd, mode, offset, length);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int kf_ftruncate(int fd, int64_t length) {
    int rc;
    do {
        rc = ftruncate(fd, length);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

int kf_fdatasync(int fd) {
    int rc;
    do {
        rc = fdatasync(fd);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : 0;
}

/*
 * Whether buffered reads of the file can complete without blocking (the file system supports RWF_NOWAIT, so
 * io_uring completes page-cache hits inside io_uring_enter): 1 yes, 0 no, -errno when the probe itself failed.
 * Reads at most one byte at offset 0 (only asks for a cached page; never waits for the disk).
 */
int kf_probe_nowait(int fd) {
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    ssize_t n = preadv2(fd, &iov, 1, 0, RWF_NOWAIT);
    if (n >= 0 || errno == EAGAIN) {
        return 1;
    }
    return errno == EOPNOTSUPP ? 0 : -errno;
}

/* Positional write used for zero-filling where fallocate cannot zero; loops over short writes. */
int64_t kf_pwrite_all(int fd, int64_t address, int64_t length, int64_t offset) {
    const char *p = (const char *) (intptr_t) address;
    int64_t done = 0;
    while (done < length) {
        ssize_t n = pwrite(fd, p + done, (size_t) (length - done), offset + done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            return -EIO;
        }
        done += n;
    }
    return done;
}

const char *kf_strerror(int err) {
    return strerror(err);
}
