package io.karst.tcmur;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * A tcmu-runner style handler written in Java: the equivalent of {@code struct tcmur_handler}. Register it as an
 * OSGi service; the host serves every device whose config string starts with its {@link #subtype()}.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>{@link #nrThreads()} {@code >= 1}: synchronous. The host calls the I/O entry points of one device from
 *       that many worker threads of the device (one thread: the device's commands are serialised) and each call
 *       returns the command's final status. Other devices are never blocked by it.</li>
 *   <li>{@link #nrThreads()} {@code == 0}: asynchronous. The host calls the entry points on the submitting thread,
 *       which must not block; an entry point either returns a final status or returns
 *       {@link TcmuStatus#ASYNC_HANDLED} and later calls {@link TcmurCommand#complete} from any thread.</li>
 * </ul>
 *
 * <h2>Requests</h2>
 * The host checks every request before calling the handler: offsets and lengths are multiples of the block size
 * and lie inside the device; data buffers hold exactly {@code length} bytes. Offsets and lengths are in bytes.
 * Entry points a handler does not list in {@link #operations()} are never called: the host emulates what it can
 * (COMPARE AND WRITE by read, compare and write under a per-device lock; WRITE SAME by writes).
 */
public interface TcmurHandler {
    /** Human-friendly name. */
    String name();

    /** The config string prefix this handler serves ({@code ram}, {@code file}, ...). */
    String subtype();

    /** How the config string after the subtype is built, for {@code tcmur:handlers}. */
    default String cfgDesc() {
        return "";
    }

    /** Worker threads per device; 0 for an asynchronous handler. */
    default int nrThreads() {
        return 1;
    }

    /** The I/O entry points this handler implements. */
    Set<TcmurOperation> operations();

    /**
     * Checks a config string before a device is created with it, so that {@code bdev:create} can refuse it.
     *
     * @return {@code null} if it looks usable, else the reason
     */
    default String checkConfig(String cfgString) {
        return null;
    }

    /**
     * Opens the device: sets its block size and number of blocks where the backing store decides them.
     *
     * @param reopen whether the device was open before (a reconfiguration that needs a reopen)
     */
    void open(TcmurDevice device, boolean reopen) throws TcmurException;

    /** Closes the device; no command is outstanding. */
    void close(TcmurDevice device);

    /** Applies a configuration change; a {@link TcmuStatus} or a negated errno (−95 when unsupported). */
    default int reconfig(TcmurDevice device, TcmurReconfig change) {
        return -95;
    }

    /** Reads {@code length} bytes at {@code offset} into {@code iov}. */
    default int read(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        return TcmuStatus.INVALID_CMD;
    }

    /** Writes {@code length} bytes of {@code iov} at {@code offset}. */
    default int write(TcmurDevice device, TcmurCommand cmd, ByteBuffer[] iov, long length, long offset) {
        return TcmuStatus.INVALID_CMD;
    }

    /** Makes completed writes durable. */
    default int flush(TcmurDevice device, TcmurCommand cmd) {
        return TcmuStatus.INVALID_CMD;
    }

    /** Deallocates {@code length} bytes at {@code offset}. */
    default int unmap(TcmurDevice device, TcmurCommand cmd, long offset, long length) {
        return TcmuStatus.INVALID_CMD;
    }

    /** Writes the block in {@code iov} repeatedly over {@code length} bytes at {@code offset}. */
    default int writesame(TcmurDevice device, TcmurCommand cmd, long offset, long length, ByteBuffer[] iov) {
        return TcmuStatus.INVALID_CMD;
    }

    /**
     * Compare and write: {@code iov} holds {@code length} bytes to compare with the device at {@code offset},
     * followed by {@code length} bytes to write there if they match; {@link TcmuStatus#MISCOMPARE} otherwise.
     */
    default int caw(TcmurDevice device, TcmurCommand cmd, long offset, long length, ByteBuffer[] iov) {
        return TcmuStatus.INVALID_CMD;
    }

    /**
     * Executes a raw SCSI command ({@link TcmurCommand#cdb()}, {@link TcmurCommand#data()}), or returns
     * {@link TcmuStatus#NOT_HANDLED} to leave it to the host.
     */
    default int handleCmd(TcmurDevice device, TcmurCommand cmd) {
        return TcmuStatus.NOT_HANDLED;
    }

    /** Notification of an event on the device; 0 or a negated errno. */
    default int reportEvent(TcmurDevice device, TcmurEvent event) {
        return 0;
    }
}
