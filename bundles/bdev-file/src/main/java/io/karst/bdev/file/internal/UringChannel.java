package io.karst.bdev.file.internal;

import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import io.karst.bdev.spi.DeviceChannel;
import io.karst.bdev.spi.Iov;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One io_uring ring per channel (per submitting thread), in one of two modes chosen by the device.
 *
 * <p><b>Inline mode</b> (files whose buffered reads can complete without blocking, e.g. page-cache hits on ext4 or
 * XFS): the ring is driven by whoever holds {@link #lock}, normally the submitting thread inside {@link #submit},
 * otherwise the ring's completion thread. The holder disables the ring's eventfd (IORING_CQ_EVENTFD_DISABLED),
 * submits, reaps and runs callbacks; before letting go it re-enables the eventfd and looks at the completion queue
 * once more, so every completion is either reaped by a holder or signals the eventfd. Completions the kernel posts
 * while the submitting thread is in io_uring_enter are thus handled on that thread with no hand-off; completions
 * that arrive later (io-wq workers, interrupts) wake the completion thread, which otherwise sleeps on the eventfd.
 * While I/O is outstanding it also wakes every {@value #SAFETY_WAIT_MS} ms, which covers a signal lost to the
 * unordered flag check in the kernel; an idle one sleeps without timeout.
 *
 * <p><b>Owned mode</b> (every completion is asynchronous anyway: files without non-blocking buffered I/O such as
 * tmpfs, and O_DIRECT): the ring is set up with IORING_SETUP_SINGLE_ISSUER and IORING_SETUP_DEFER_TASKRUN and
 * enabled by the ring thread, which alone enters the kernel. Completions then reach the ring as batched task work
 * that the ring thread runs in one io_uring_enter together with its next submissions, instead of each being posted
 * by an io-wq worker under the completion lock; the kernel signals the eventfd when such work appears. A request
 * submitted by the ring thread itself (from a completion callback, the common case under load) costs no system
 * call of its own; one from another thread goes through a small array queue (the inbox), so its submitter never
 * waits for the ring, and wakes the ring thread only when that sleeps.
 *
 * <p><b>Callbacks</b> run with the ring held. A request submitted from a callback on this channel is only queued
 * into the ring; the loop that runs the callbacks submits it. A submitting thread gives the ring to the
 * completion thread after {@value #OWNER_ROUNDS} rounds, so a callback that keeps resubmitting cannot hold it
 * forever.
 *
 * <p><b>Memory.</b> Requests never allocate in steady state: each slot has its own native iovec array and, for heap
 * buffers, its own aligned direct bounce buffer, grown on demand and then kept. Native ring memory is released by
 * the ring thread only when nothing is in flight any more; when I/O does not drain within the close timeout the
 * ring is deliberately leaked (never unmapped under the kernel's feet).
 */
final class UringChannel implements DeviceChannel {
    private static final System.Logger LOG = System.getLogger(UringChannel.class.getName());
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final int MAX_WAITING = 65536;
    private static final int OWNER_ROUNDS = 64;
    private static final int COMPLETER_ROUNDS = 1024;
    private static final int SAFETY_WAIT_MS = 100;
    private static final int MAX_IOVECS = 1024;
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final int OWNED_SAFETY_WAIT_MS = 1000;
    private static final int INBOX = 4096;


    private final FileBdev device;
    private final RingMode mode;
    private final NativeFile lib;
    private final FileShim shim;
    private final int fileFd;
    private final int alignment;
    private final long ringHandle;
    private final int ringFd;
    private final int eventFd;
    private final ByteBuffer sqRing;
    private final ByteBuffer cqRing;
    private final ByteBuffer sqes;
    private final int sqTailOff;
    private final int sqMask;
    private final int cqHeadOff;
    private final int cqTailOff;
    private final int cqFlagsOff;
    private final int cqesOff;
    private final int cqMask;
    private final int cqEntries;
    // ABI facts copied into final fields of this class (the I/O path reads them per request)
    private final int sqeSize;
    private final int cqeSize;
    private final int sqeOpcode;
    private final int sqeFd;
    private final int sqeOff;
    private final int sqeAddr;
    private final int sqeLen;
    private final int sqeRwFlags;
    private final int sqeUserData;
    private final int cqeUserData;
    private final int cqeRes;
    private final byte opRead;
    private final byte opWrite;
    private final byte opReadv;
    private final byte opWritev;
    private final int rwfDsync;
    private final int eventfdDisabled;
    private final int getEvents;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition enabledCondition = lock.newCondition();
    private final Slot[] slots;
    private final int[] freeSlots;
    private final int[] sqeSlot;
    private final int[] scratch;
    private final ArrayDeque<BdevIo> waiting = new ArrayDeque<>(64);
    /** Owned mode: requests from threads other than the ring thread, for the ring thread to take. */
    private final ArrayBlockingQueue<BdevIo> inbox;
    /** Owned mode: the ring thread sleeps (or is about to) and needs the eventfd to see the inbox. */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    /** Owned mode: the ring thread has ended; late requests in the inbox are completed by their submitter. */
    private volatile boolean ringExited;
    private final Thread completer;

    // all below guarded by lock
    private int freeCount;
    private int inFlight;
    private int sqTail;
    private int unsubmitted;
    private int cqHead;
    private int depth;
    private volatile boolean closed;
    private boolean stop;
    private boolean released;
    private long stopDeadline;
    private boolean completerIndefinite;
    private boolean callbackFailureLogged;
    // counters for diagnostics (guarded by lock)
    private long enterCalls;
    private long sleeps;
    private long reapedTotal;
    /** Owned mode: result of enabling the ring on the ring thread (1 pending). */
    private int enableResult = 1;

    private UringChannel(FileBdev device, RingMode mode, FileShim shim, int fileFd, int alignment, long handle,
                         long[] info, int eventFd, String threadName) {
        this.device = device;
        this.mode = mode;
        this.shim = shim;
        this.lib = shim.lib;
        this.fileFd = fileFd;
        this.alignment = alignment;
        this.ringHandle = handle;
        this.ringFd = (int) info[0];
        this.eventFd = eventFd;
        int sqEntries = (int) info[5];
        this.cqEntries = (int) info[6];
        this.sqRing = shim.wrap(info[1], (int) info[2]);
        this.cqRing = info[3] == info[1] ? sqRing : shim.wrap(info[3], (int) info[19]);
        this.sqes = shim.wrap(info[4], sqEntries * shim.sqeSize);
        this.sqTailOff = (int) info[8];
        this.sqMask = sqRing.getInt((int) info[9]);
        this.cqHeadOff = (int) info[12];
        this.cqTailOff = (int) info[13];
        this.cqMask = cqRing.getInt((int) info[14]);
        this.cqesOff = (int) info[16];
        this.cqFlagsOff = (int) info[17];
        this.sqeSize = shim.sqeSize;
        this.cqeSize = shim.cqeSize;
        this.sqeOpcode = shim.sqeOpcode;
        this.sqeFd = shim.sqeFd;
        this.sqeOff = shim.sqeOff;
        this.sqeAddr = shim.sqeAddr;
        this.sqeLen = shim.sqeLen;
        this.sqeRwFlags = shim.sqeRwFlags;
        this.sqeUserData = shim.sqeUserData;
        this.cqeUserData = shim.cqeUserData;
        this.cqeRes = shim.cqeRes;
        this.opRead = shim.opRead;
        this.opWrite = shim.opWrite;
        this.opReadv = shim.opReadv;
        this.opWritev = shim.opWritev;
        this.rwfDsync = shim.rwfDsync;
        this.eventfdDisabled = shim.cqEventfdDisabled;
        this.getEvents = shim.enterGetEvents;
        this.sqTail = (int) INT.getAcquire(sqRing, sqTailOff);
        this.cqHead = (int) INT.getAcquire(cqRing, cqHeadOff);
        // one slot per submission entry: the submission queue can never overflow, and with the completion queue
        // twice as large neither can that
        this.slots = new Slot[sqEntries];
        this.freeSlots = new int[sqEntries];
        for (int i = 0; i < sqEntries; i++) {
            slots[i] = new Slot(i);
            freeSlots[i] = sqEntries - 1 - i;
        }
        this.freeCount = sqEntries;
        this.sqeSlot = new int[sqEntries];
        this.scratch = new int[sqEntries];
        this.inbox = mode == RingMode.OWNED ? new ArrayBlockingQueue<>(INBOX) : null;
        this.completer = new Thread(mode == RingMode.OWNED ? this::ownerLoop : this::completerLoop, threadName);
        this.completer.setDaemon(true);
    }

    /**
     * Sets up a ring of {@code entries} entries for the file descriptor {@code fileFd} and starts its thread.
     * Owned mode falls back to inline mode on kernels without IORING_SETUP_DEFER_TASKRUN.
     */
    static UringChannel open(FileBdev device, FileShim shim, int fileFd, int alignment, int entries,
                             RingMode wanted, String threadName) throws IOException {
        long[] info = new long[20];
        RingMode mode = wanted;
        long handle;
        if (mode == RingMode.OWNED) {
            handle = shim.lib.kf_ring_open(entries,
                    shim.setupRDisabled | shim.setupSingleIssuer | shim.setupDeferTaskrun, info);
            if (handle == -Errno.EINVAL) {
                mode = RingMode.INLINE;
                handle = shim.lib.kf_ring_open(entries, 0, info);
            }
        } else {
            handle = shim.lib.kf_ring_open(entries, 0, info);
        }
        if (handle < 0) {
            throw new IOException("cannot set up an io_uring ring: " + shim.strerror((int) -handle));
        }
        int efd = shim.lib.kf_eventfd();
        if (efd < 0) {
            shim.lib.kf_ring_close(handle);
            throw new IOException("cannot create an eventfd: " + shim.strerror(-efd));
        }
        int rc = shim.lib.kf_ring_register_eventfd((int) info[0], efd);
        if (rc < 0) {
            shim.lib.kf_ring_close(handle);
            shim.lib.kf_close(efd);
            throw new IOException("cannot register the eventfd with the ring: " + shim.strerror(-rc));
        }
        UringChannel channel = new UringChannel(device, mode, shim, fileFd, alignment, handle, info, efd,
                threadName);
        channel.completer.start();
        if (mode == RingMode.OWNED) {
            int enabled = channel.awaitEnabled();
            if (enabled < 0) {
                channel.completer.interrupt();
                throw new IOException("cannot enable the io_uring ring: " + shim.strerror(-enabled));
            }
        }
        return channel;
    }

    RingMode mode() {
        return mode;
    }

    private int awaitEnabled() throws IOException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (enableResult == 1) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the ring thread did not start");
                }
                enabledCondition.awaitNanos(left);
            }
            return enableResult;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the ring thread");
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void submit(BdevIo io) {
        IoType type = io.type();
        if (type != IoType.READ && type != IoType.WRITE) {
            device.control(io);
            return;
        }
        if (mode == RingMode.OWNED && Thread.currentThread() != completer) {
            submitToRingThread(io);
            return;
        }
        lock.lock();
        try {
            if (closed) {
                completeQuietly(io, IoStatus.REMOVED);
                return;
            }
            admit(io);
            if (mode == RingMode.INLINE && depth == 0) {
                drive(false);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Starts a request in a free slot, or queues it behind those already waiting for one. */
    private void admit(BdevIo io) {
        if (freeCount > 0 && waiting.isEmpty()) {
            start(io);
        } else if (waiting.size() < MAX_WAITING) {
            waiting.addLast(io);
        } else {
            completeQuietly(io, IoStatus.NO_MEMORY);
        }
    }

    /**
     * Owned mode, from any thread but the ring thread: hands the request over without waiting for the ring (the
     * ring thread may be in the kernel or running callbacks) and wakes the ring thread if it sleeps.
     */
    private void submitToRingThread(BdevIo io) {
        if (closed) {
            completeQuietly(io, IoStatus.REMOVED);
            return;
        }
        if (!inbox.offer(io)) {
            completeQuietly(io, IoStatus.NO_MEMORY);
            return;
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            lib.kf_eventfd_post(eventFd);
        }
        if (ringExited) {
            drainInbox(IoStatus.REMOVED);
        }
    }

    private void drainInbox(IoStatus status) {
        BdevIo io;
        while ((io = inbox.poll()) != null) {
            completeQuietly(io, status);
        }
    }

    /** Takes a free slot for the request and queues its submission entry. */
    private void start(BdevIo io) {
        long length = io.lengthBytes();
        if (length <= 0 || length > Integer.MAX_VALUE) {
            completeQuietly(io, IoStatus.INVALID);
            return;
        }
        Slot s = slots[freeSlots[--freeCount]];
        inFlight++;
        s.begin(io, (int) length);
        queueSqe(s);
    }

    /** Writes the submission entry for what is left of a slot's request. */
    private void queueSqe(Slot s) {
        int idx = sqTail & sqMask;
        int base = idx * sqeSize;
        long addr;
        int len;
        byte op;
        if (s.segments == 1) {
            addr = s.segAddr[0] + s.done;
            len = s.length - s.done;
            op = s.write ? opWrite : opRead;
        } else {
            len = s.fillIovecs();
            addr = s.iovecAddr;
            op = s.write ? opWritev : opReadv;
        }
        ByteBuffer q = sqes;
        for (int i = 0; i < sqeSize; i += 8) {
            q.putLong(base + i, 0L);
        }
        q.put(base + sqeOpcode, op);
        q.putInt(base + sqeFd, fileFd);
        q.putLong(base + sqeOff, s.offset + s.done);
        q.putLong(base + sqeAddr, addr);
        q.putInt(base + sqeLen, len);
        if (s.fua) {
            q.putInt(base + sqeRwFlags, rwfDsync);
        }
        q.putLong(base + sqeUserData, s.index);
        sqeSlot[idx] = s.index;
        sqTail++;
        unsubmitted++;
    }

    /**
     * Submits, reaps and runs callbacks until there is nothing left to do, with the eventfd disabled meanwhile.
     *
     * @return true when it stopped because of its round limit with work possibly left
     */
    private boolean drive(boolean onCompleter) {
        depth++;
        try {
            INT.setVolatile(cqRing, cqFlagsOff, eventfdDisabled);
            int rounds = 0;
            for (;;) {
                if (unsubmitted > 0) {
                    submitPending();
                }
                int reaped = reap();
                if (freeCount > 0 && !waiting.isEmpty()) {
                    startWaiting();
                }
                if (unsubmitted == 0 && reaped == 0) {
                    INT.setVolatile(cqRing, cqFlagsOff, 0);
                    if ((int) INT.getVolatile(cqRing, cqTailOff) == cqHead) {
                        break;
                    }
                    INT.setVolatile(cqRing, cqFlagsOff, eventfdDisabled);
                    continue;
                }
                if (++rounds >= (onCompleter ? COMPLETER_ROUNDS : OWNER_ROUNDS)) {
                    if (unsubmitted > 0) {
                        submitPending();
                    }
                    INT.setVolatile(cqRing, cqFlagsOff, 0);
                    if (!onCompleter) {
                        completerIndefinite = false;
                        lib.kf_eventfd_post(eventFd);
                    }
                    return true;
                }
            }
            if (!onCompleter && inFlight > 0 && completerIndefinite) {
                // the completion thread sleeps without timeout: re-arm its safety wake-up
                completerIndefinite = false;
                lib.kf_eventfd_post(eventFd);
            }
            return false;
        } finally {
            depth--;
        }
    }

    /**
     * Owned mode, on the ring thread: one io_uring_enter per round submits what is queued and runs the completions
     * the kernel deferred to this thread; then reap and run callbacks, until a round finds nothing to do.
     *
     * @return true when it stopped because of its round limit
     */
    private boolean driveOwned() {
        depth++;
        try {
            int rounds = 0;
            for (;;) {
                BdevIo io;
                while ((io = inbox.poll()) != null) {
                    if (closed) {
                        completeQuietly(io, IoStatus.ABORTED); // accepted before the close, never started
                    } else {
                        admit(io);
                    }
                }
                INT.setRelease(sqRing, sqTailOff, sqTail);
                enterCalls++;
                int r = lib.kf_enter(ringFd, unsubmitted, 0, getEvents);
                if (r >= 0) {
                    unsubmitted -= r;
                    if (r == 0 && unsubmitted > 0) {
                        enterFailed(-Errno.EAGAIN);
                    }
                } else if (r != -Errno.EINTR) {
                    enterFailed(r);
                }
                int reaped = reap();
                if (freeCount > 0 && !waiting.isEmpty()) {
                    startWaiting();
                }
                if (unsubmitted == 0 && reaped == 0) {
                    return false;
                }
                if (++rounds >= COMPLETER_ROUNDS) {
                    return true;
                }
            }
        } finally {
            depth--;
        }
    }

    /** An io_uring_enter that submitted nothing with an error: wait for room, or fail the queued requests. */
    private void enterFailed(int r) {
        if (r == -Errno.EAGAIN || r == -Errno.EBUSY) {
            if (inFlight > unsubmitted) {
                // the kernel is short of resources until some of our I/O completes: wait for one completion
                lib.kf_enter(ringFd, 0, 1, getEvents);
                return;
            }
            failUnsubmitted(IoStatus.NO_MEMORY);
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "io_uring_enter failed on " + device.name() + ": " + shim.strerror(-r));
        failUnsubmitted(Errno.status(-r));
    }

    /** Owned mode: the ring thread enables the ring (becoming its only issuer) and then drives it. */
    private void ownerLoop() {
        int rc = lib.kf_ring_enable(ringFd);
        lock.lock();
        try {
            enableResult = rc < 0 ? rc : 0;
            enabledCondition.signalAll();
            if (rc < 0) {
                closed = true;
                stop = true;
                ringExited = true;
                release();
                return;
            }
        } finally {
            lock.unlock();
        }
        try {
            for (;;) {
                int timeout;
                lock.lock();
                try {
                    boolean more = driveOwned();
                    if (stop && (inFlight == 0 || System.nanoTime() - stopDeadline > 0)) {
                        ringExited = true;
                        drainInbox(IoStatus.ABORTED);
                        release();
                        return;
                    }
                    if (more || unsubmitted > 0) {
                        continue;
                    }
                    sleeps++;
                    timeout = stop ? 5 : inFlight > 0 ? OWNED_SAFETY_WAIT_MS : -1;
                } finally {
                    lock.unlock();
                }
                sleeping.set(true);
                if (!inbox.isEmpty()) { // a request came in after the last look: no sleep
                    sleeping.set(false);
                    continue;
                }
                int w = lib.kf_eventfd_wait(eventFd, timeout);
                sleeping.set(false);
                if (w < 0) {
                    throw new IOException("waiting on the ring's eventfd failed: " + shim.strerror(-w));
                }
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "the ring thread of " + device.name() + " failed", t);
            lock.lock();
            try {
                closed = true;
                ringExited = true;
                drainInbox(IoStatus.ABORTED);
                failWaiting(IoStatus.ABORTED);
                release();
            } finally {
                lock.unlock();
            }
        }
    }

    private void startWaiting() {
        while (freeCount > 0) {
            BdevIo io = waiting.pollFirst();
            if (io == null) {
                return;
            }
            start(io);
        }
    }

    /** Inline mode: hands the queued submission entries to the kernel. */
    private void submitPending() {
        INT.setRelease(sqRing, sqTailOff, sqTail);
        for (;;) {
            enterCalls++;
            int r = lib.kf_enter(ringFd, unsubmitted, 0, 0);
            if (r > 0) {
                unsubmitted -= r;
                if (unsubmitted == 0) {
                    return;
                }
                continue;
            }
            if (r == -Errno.EINTR) {
                continue;
            }
            enterFailed(r == 0 ? -Errno.EAGAIN : r);
            return;
        }
    }

    /** Takes back the entries the kernel did not accept and fails their requests. */
    private void failUnsubmitted(IoStatus status) {
        int n = unsubmitted;
        int first = sqTail - n;
        for (int i = 0; i < n; i++) {
            scratch[i] = sqeSlot[(first + i) & sqMask];
        }
        sqTail = first;
        unsubmitted = 0;
        INT.setRelease(sqRing, sqTailOff, sqTail);
        for (int i = 0; i < n; i++) {
            finish(slots[scratch[i]], status);
        }
    }

    /** Consumes the completion queue (at most one ring's worth per call). */
    private int reap() {
        int head = cqHead;
        int tail = (int) INT.getAcquire(cqRing, cqTailOff);
        int n = 0;
        ByteBuffer q = cqRing;
        while (head != tail && n < cqEntries) {
            int base = cqesOff + (head & cqMask) * cqeSize;
            long userData = q.getLong(base + cqeUserData);
            int res = q.getInt(base + cqeRes);
            head++;
            cqHead = head;
            INT.setRelease(q, cqHeadOff, head);
            n++;
            reapedTotal++;
            completed(slots[(int) userData], res);
            if (head == tail) {
                tail = (int) INT.getAcquire(q, cqTailOff);
            }
        }
        return n;
    }

    private void completed(Slot s, int res) {
        if (res < 0) {
            finish(s, Errno.status(-res));
            return;
        }
        s.done += res;
        if (s.done < s.length) {
            if (res > 0) {
                queueSqe(s); // short transfer: go on with the rest
                return;
            }
            if (s.write) {
                finish(s, IoStatus.FAILED);
                return;
            }
            // end of file inside the device (the file was truncated behind our back): the rest reads as zeroes
            s.copyBack();
            zeroFrom(s.iov, s.done);
            s.done = s.length;
            finish(s, IoStatus.SUCCESS);
            return;
        }
        if (!s.write) {
            s.copyBack();
        }
        finish(s, IoStatus.SUCCESS);
    }

    private void finish(Slot s, IoStatus status) {
        BdevIo io = s.io;
        s.io = null;
        s.iov = null;
        freeSlots[freeCount++] = s.index;
        inFlight--;
        completeQuietly(io, status);
    }

    private void completeQuietly(BdevIo io, IoStatus status) {
        try {
            io.complete(status);
        } catch (RuntimeException | Error e) {
            if (!callbackFailureLogged) {
                callbackFailureLogged = true;
                LOG.log(System.Logger.Level.ERROR, "an I/O completion callback of " + device.name() + " threw", e);
            }
        }
    }

    private static void zeroFrom(ByteBuffer[] iov, long from) {
        long skip = from;
        for (ByteBuffer b : iov) {
            int rem = b.remaining();
            if (skip >= rem) {
                skip -= rem;
                continue;
            }
            for (int i = b.position() + (int) skip; i < b.limit(); i++) {
                b.put(i, (byte) 0);
            }
            skip = 0;
        }
    }

    private void completerLoop() {
        boolean signalled = true;
        try {
            for (;;) {
                boolean indefinite;
                lock.lock();
                try {
                    boolean more = drive(true);
                    if (stop && (inFlight == 0 || System.nanoTime() - stopDeadline > 0)) {
                        release();
                        return;
                    }
                    if (more) {
                        continue;
                    }
                    indefinite = !stop && inFlight == 0 && !signalled;
                    completerIndefinite = indefinite;
                    sleeps++;
                } finally {
                    lock.unlock();
                }
                int rc = lib.kf_eventfd_wait(eventFd, indefinite ? -1 : stop ? 5 : SAFETY_WAIT_MS);
                if (rc < 0) {
                    throw new IOException("waiting on the ring's eventfd failed: " + shim.strerror(-rc));
                }
                signalled = rc > 0;
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "the completion thread of " + device.name() + " failed", t);
            lock.lock();
            try {
                closed = true;
                failWaiting(IoStatus.ABORTED);
                release();
            } finally {
                lock.unlock();
            }
        }
    }

    private void failWaiting(IoStatus status) {
        BdevIo io;
        while ((io = waiting.pollFirst()) != null) {
            completeQuietly(io, status);
        }
    }

    /** Frees the ring when nothing is in flight; otherwise leaves it mapped for the kernel (logged). */
    private void release() {
        if (released) {
            return;
        }
        released = true;
        if (inFlight == 0) {
            lib.kf_ring_close(ringHandle);
            lib.kf_close(eventFd);
        } else {
            LOG.log(System.Logger.Level.ERROR, inFlight + " I/O requests on " + device.name()
                    + " did not complete within the close timeout; their ring stays allocated");
            device.keepLeaked(this);
        }
        device.channelReleased(this);
    }

    /**
     * Closes the channel: new requests complete with REMOVED, queued ones with ABORTED, and requests the kernel
     * has complete normally before the ring is freed (waits up to the drain timeout).
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stop = true;
            stopDeadline = System.nanoTime() + DRAIN_NANOS;
            failWaiting(IoStatus.ABORTED);
            if (mode == RingMode.INLINE && unsubmitted > 0 && depth == 0) {
                submitPending();
            }
            lib.kf_eventfd_post(eventFd);
        } finally {
            lock.unlock();
        }
        // from inside a callback (ring held, or on the completion thread) the completion thread finishes the job
        if (Thread.currentThread() != completer && !lock.isHeldByCurrentThread()) {
            try {
                completer.join(TimeUnit.NANOSECONDS.toMillis(DRAIN_NANOS) + 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Requests in flight (for tests and diagnostics). */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** enter calls, sleeps of the ring thread, completions: for diagnostics. */
    long[] counters() {
        lock.lock();
        try {
            return new long[]{enterCalls, sleeps, reapedTotal};
        } finally {
            lock.unlock();
        }
    }

    boolean released() {
        lock.lock();
        try {
            return released;
        } finally {
            lock.unlock();
        }
    }

    /** One request in flight: its buffers' native addresses, iovec array and bounce buffer. */
    private final class Slot {
        final int index;
        BdevIo io;
        ByteBuffer[] iov;
        boolean write;
        boolean fua;
        long offset;
        int length;
        int done;
        int segments;
        long[] segAddr = new long[1];
        int[] segLen = new int[1];
        /** Heap bytes staged in the bounce buffer; all of the request when it has too many segments. */
        int bounced;
        boolean bouncedAll;
        ByteBuffer iovecs;
        long iovecAddr;
        ByteBuffer bounce;
        long bounceAddr;

        Slot(int index) {
            this.index = index;
        }

        void begin(BdevIo request, int len) {
            io = request;
            ByteBuffer[] v = request.iov();
            iov = v;
            write = request.type() == IoType.WRITE;
            fua = write && (request.flags() & IoChannel.FUA) != 0;
            offset = request.offsetBytes();
            length = len;
            done = 0;
            bounced = 0;
            int n = v.length;
            bouncedAll = n > MAX_IOVECS;
            if (bouncedAll) {
                stage(len);
                if (write) {
                    Iov.copyOut(v, 0, bounce, 0, len);
                }
                segments = 1;
                segAddr[0] = bounceAddr;
                segLen[0] = len;
                bounced = len;
                return;
            }
            if (segAddr.length < n) {
                segAddr = new long[Math.max(n, segAddr.length * 2)];
                segLen = new int[segAddr.length];
            }
            segments = n;
            int heap = 0;
            for (int i = 0; i < n; i++) {
                ByteBuffer b = v[i];
                if (!b.isDirect()) {
                    heap += b.remaining();
                }
            }
            if (heap > 0) {
                stage(heap);
            }
            int staged = 0;
            for (int i = 0; i < n; i++) {
                ByteBuffer b = v[i];
                int rem = b.remaining();
                segLen[i] = rem;
                if (b.isDirect()) {
                    segAddr[i] = shim.address(b) + b.position();
                } else {
                    segAddr[i] = bounceAddr + staged;
                    if (write) {
                        bounce.put(staged, b, b.position(), rem);
                    }
                    staged += rem;
                }
            }
            bounced = heap;
            if (n > 1 && (iovecs == null || iovecs.capacity() < n * 16)) {
                iovecs = ByteBuffer.allocateDirect(Math.max(n, 8) * 16).order(ByteOrder.nativeOrder());
                iovecAddr = shim.address(iovecs);
            }
        }

        /** Makes sure the bounce buffer holds {@code bytes}; it grows and is then kept (aligned for O_DIRECT). */
        private void stage(int bytes) {
            if (bounce == null || bounce.capacity() < bytes) {
                int cap = Math.max(4096, Integer.highestOneBit(Math.max(bytes - 1, 1)) << 1);
                if (cap < bytes) {
                    cap = bytes;
                }
                bounce = ByteBuffer.allocateDirect(cap + alignment).alignedSlice(Math.max(alignment, 1));
                bounceAddr = shim.address(bounce);
            }
        }

        /** Writes the iovecs for the bytes not yet done and returns their count. */
        int fillIovecs() {
            long skip = done;
            int count = 0;
            ByteBuffer m = iovecs;
            for (int i = 0; i < segments; i++) {
                long a = segAddr[i];
                long l = segLen[i];
                if (skip >= l) {
                    skip -= l;
                    continue;
                }
                a += skip;
                l -= skip;
                skip = 0;
                m.putLong(count * 16, a);
                m.putLong(count * 16 + 8, l);
                count++;
            }
            return count;
        }

        /** After a read: copies staged bytes into the caller's heap buffers. */
        void copyBack() {
            if (bounced == 0) {
                return;
            }
            ByteBuffer[] v = iov;
            if (bouncedAll) {
                Iov.copyIn(bounce, 0, v, 0, length);
                return;
            }
            int staged = 0;
            for (ByteBuffer b : v) {
                if (!b.isDirect()) {
                    int rem = b.remaining();
                    b.put(b.position(), bounce, staged, rem);
                    staged += rem;
                }
            }
        }
    }
}
