package io.karst.scsi;

import io.karst.bdev.IoCallback;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import java.nio.ByteBuffer;

/**
 * One SCSI command on its way through a {@link ScsiLun}. A transport extends this class for its own command
 * objects (pooled if it likes: nothing here is allocated per command) and implements the abstract methods; the
 * logical unit keeps its per-command state in the fields of this base class.
 *
 * <p>Threading: {@link ScsiLun#execute} is called on the thread owning {@link #channel()}. Completions of bdev
 * I/O may arrive on other threads; when a command needs another bdev request, the logical unit goes back to the
 * owning thread through {@link #runOnSubmitter}. {@link #done} may be called on any thread.
 */
public abstract class ScsiTask implements IoCallback, Runnable {
    // state kept by ScsiLun (package-private)
    ScsiLun lun;
    int op;
    int step;
    long lba;
    long blocks;
    long cursor;
    int dataInLength;
    int flags;
    boolean locked;
    ByteBuffer scratch;
    ByteBuffer aux;
    io.karst.bdev.ScsiCommand passthrough;
    ByteBuffer passthroughSense;

    /** The CDB; at least 16 bytes long (shorter CDBs are zero-padded). */
    public abstract byte[] cdb();

    /** The I_T nexus the command came through. */
    public abstract ScsiNexus nexus();

    /** The bdev channel of the submitting thread. */
    public abstract IoChannel channel();

    /**
     * The data the initiator sent (position..limit, absolute access only), or {@code null} when there is none. Its
     * length is what the transport received, which may differ from what the CDB asks for.
     */
    public abstract ByteBuffer dataOut();

    /**
     * A buffer for data to the initiator: position 0, limit {@code length}. The transport owns it and sends the
     * first {@code dataInLength} bytes given to {@link #done}.
     */
    public abstract ByteBuffer dataInBuffer(int length);

    /**
     * The data-in length the initiator expects (iSCSI's expected data transfer length of a read), for commands
     * passed through to a bdev whose data length the logical unit does not derive from the CDB; 0 when unknown.
     */
    public int expectedDataInLength() {
        return 0;
    }

    /** A scratch buffer for the logical unit's own use during this command (e.g. the compare read). */
    public ByteBuffer scratchBuffer(int length) {
        return ByteBuffer.allocateDirect(length);
    }

    /** Runs {@code r} on the thread that owns {@link #channel()} (immediately if already on it, or queued). */
    public abstract void runOnSubmitter(Runnable r);

    /**
     * The command finished.
     *
     * @param status       SCSI status
     * @param sense        sense data (for CHECK CONDITION), else {@code null}
     * @param senseBytes   the encoded sense in the format the logical unit uses, else {@code null}
     * @param dataInLength bytes of the data-in buffer to send to the initiator
     */
    protected abstract void done(int status, Sense sense, byte[] senseBytes, int dataInLength);

    /** Bdev completion: handled by the logical unit. */
    @Override
    public final void ioComplete(IoStatus status) {
        lun.ioComplete(this, status);
    }

    /** Continuation on the submitting thread: handled by the logical unit. */
    @Override
    public final void run() {
        lun.resume(this);
    }

    /** Clears the logical unit's state, for transports that reuse task objects. */
    protected void resetScsiState() {
        lun = null;
        op = 0;
        step = 0;
        lba = 0;
        blocks = 0;
        cursor = 0;
        dataInLength = 0;
        flags = 0;
        locked = false;
        scratch = null;
        aux = null;
    }
}
