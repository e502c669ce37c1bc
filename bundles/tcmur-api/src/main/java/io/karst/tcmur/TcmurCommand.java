package io.karst.tcmur;

import java.nio.ByteBuffer;

/**
 * One command as a handler sees it (tcmu-runner's {@code tcmur_cmd} with its {@code tcmulib_cmd}). Commands from the
 * block layer carry a synthesised CDB (READ(16), WRITE(16), SYNCHRONIZE CACHE(16), ...) so that handlers which look
 * at it see a consistent command; pass-through commands carry the initiator's CDB.
 *
 * <p>A handler must not keep a command after completing it: the host recycles command objects.
 */
public interface TcmurCommand {
    /** The CDB (position to limit), read-only. */
    ByteBuffer cdb();

    /** The CDB's operation code. */
    default int opcode() {
        ByteBuffer c = cdb();
        return c.get(c.position()) & 0xff;
    }

    /**
     * The data buffers of the command (position to limit of each), for {@code handle_cmd}; the read, write,
     * writesame and caw entry points get them as an argument. Empty when the command has no data.
     */
    ByteBuffer[] data();

    /**
     * The sense buffer (96 bytes, zeroed before the handler is called). A handler that fills it returns
     * {@link TcmuStatus#PASSTHROUGH_ERR}; {@link #setSense} does both.
     */
    ByteBuffer sense();

    /**
     * Writes fixed-format sense data (current error) with the sense key and the additional sense code and
     * qualifier ({@code ascAscq = asc << 8 | ascq}) and returns {@link TcmuStatus#PASSTHROUGH_ERR}, like
     * tcmu-runner's {@code tcmu_sense_set_data}.
     */
    int setSense(int senseKey, int ascAscq);

    /**
     * Completes a command the handler accepted with {@link TcmuStatus#ASYNC_HANDLED}, from any thread, exactly
     * once (tcmu-runner's {@code tcmur_cmd_complete}). Calls for a command that is not outstanding are ignored and
     * logged.
     */
    void complete(int status);
}
