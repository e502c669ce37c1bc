package io.karst.nbd.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the client's byte stream into messages: the client flags, options ({@link OptionRequest}) during
 * negotiation, then requests ({@link NbdRequest}) with their WRITE payload as a slice of the received buffers (no
 * copy: received buffers are kept as components of a composite, and the payload is a retained slice of them).
 *
 * <p>Limits: an option's data longer than {@code maxOptionLength} is skipped as it arrives and reported as
 * {@link OptionRequest#tooBig()}; a WRITE longer than {@code maxPayload} has its payload skipped and is reported
 * with {@link NbdRequest#payloadDiscarded()}. Bytes that break the framing (bad magic) end in a
 * {@link ProtocolViolation} message, after which nothing more is decoded.
 */
public final class NbdDecoder extends ByteToMessageDecoder {
    /** The decoder's states. */
    public enum Phase { CLIENT_FLAGS, OPTIONS, TRANSMISSION, BROKEN }

    private final int maxOptionLength;
    private final int maxPayload;
    private final RequestPool pool;
    private Phase phase = Phase.CLIENT_FLAGS;
    private long discard;

    public NbdDecoder(int maxOptionLength, int maxPayload, RequestPool pool) {
        this.maxOptionLength = maxOptionLength;
        this.maxPayload = maxPayload;
        this.pool = pool;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    public Phase phase() {
        return phase;
    }

    /** Called by the session once the export is chosen (OPT_GO or OPT_EXPORT_NAME succeeded). */
    public void enterTransmission() {
        if (phase == Phase.OPTIONS) {
            phase = Phase.TRANSMISSION;
        }
    }

    /** Bytes received but not yet decoded (e.g. to check that nothing came before a TLS handshake). */
    public int pendingBytes() {
        return actualReadableBytes();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discard > 0) {
            int n = (int) Math.min(discard, in.readableBytes());
            in.skipBytes(n);
            discard -= n;
            if (discard > 0) {
                return;
            }
        }
        switch (phase) {
            case CLIENT_FLAGS -> {
                if (in.readableBytes() >= 4) {
                    out.add(new ClientFlags(in.readInt()));
                    phase = Phase.OPTIONS;
                }
            }
            case OPTIONS -> decodeOption(in, out);
            case TRANSMISSION -> decodeRequest(in, out);
            case BROKEN -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException();
        }
    }

    private void decodeOption(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 16) {
            return;
        }
        int start = in.readerIndex();
        long magic = in.getLong(start);
        if (magic != Nbd.IHAVEOPT) {
            broken(in, out, String.format("bad option magic 0x%016x", magic));
            return;
        }
        int option = in.getInt(start + 8);
        long length = in.getUnsignedInt(start + 12);
        if (length > maxOptionLength) {
            in.skipBytes(16);
            discard = length;
            out.add(OptionRequest.tooBig(option, length));
            return;
        }
        if (in.readableBytes() < 16 + length) {
            return;
        }
        in.skipBytes(16);
        out.add(new OptionRequest(option, in.readRetainedSlice((int) length), length));
    }

    private void decodeRequest(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < Nbd.REQUEST_HEADER) {
            return;
        }
        int start = in.readerIndex();
        int magic = in.getInt(start);
        if (magic != Nbd.REQUEST_MAGIC) {
            broken(in, out, String.format("bad request magic 0x%08x", magic));
            return;
        }
        int flags = in.getUnsignedShort(start + 4);
        int type = in.getUnsignedShort(start + 6);
        long length = in.getUnsignedInt(start + 24);
        boolean hasPayload = type == Nbd.CMD_WRITE;
        if (hasPayload && length <= maxPayload && in.readableBytes() < Nbd.REQUEST_HEADER + length) {
            return; // wait for the whole payload; the composite cumulation keeps the received buffers, uncopied
        }
        NbdRequest r = pool.acquire();
        r.flags = flags;
        r.type = type;
        r.cookie = in.getLong(start + 8);
        r.offset = in.getLong(start + 16);
        r.length = length;
        r.payload = null;
        r.payloadDiscarded = false;
        in.skipBytes(Nbd.REQUEST_HEADER);
        if (hasPayload) {
            if (length > maxPayload) {
                r.payloadDiscarded = true;
                discard = length;
            } else if (length > 0) {
                r.payload = in.readRetainedSlice((int) length);
            }
        }
        out.add(r);
    }

    private void broken(ByteBuf in, List<Object> out, String why) {
        phase = Phase.BROKEN;
        in.skipBytes(in.readableBytes());
        out.add(new ProtocolViolation(why));
    }

    /** The first message of a client: its handshake flags. */
    public record ClientFlags(int flags) {
    }

    /** The framing broke; the connection must close. */
    public record ProtocolViolation(String reason) {
    }
}
