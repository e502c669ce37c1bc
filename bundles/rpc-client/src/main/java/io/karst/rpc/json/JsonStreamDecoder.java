package io.karst.rpc.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.util.List;

/**
 * Splits a byte stream into JSON values as they complete, with no delimiter needed between them
 * ({@code {"a":1}{"b":2}} is two values), which is how JSON-RPC clients such as SPDK's write requests and how
 * servers write responses. Backed by jackson-core's non-blocking parser: it never waits for input and never holds
 * more than the value in progress, which is refused once it grows past {@code maxValueBytes}.
 *
 * <p>Not thread-safe: one decoder per connection, fed from one thread at a time. After an exception the decoder is
 * spent (a byte stream has no point at which parsing could safely resume).
 */
public final class JsonStreamDecoder {
    private final int maxValueBytes;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final JsonValues.ValueAssembler assembler = new JsonValues.ValueAssembler();
    /** Bytes fed so far. */
    private long fed;
    /** Offset from which the value in progress is counted (end of the previous value, or of leading whitespace). */
    private long countFrom;
    /** Whether bytes of a value that is not complete yet have been fed. */
    private boolean partial;
    private boolean spent;

    public JsonStreamDecoder(int maxValueBytes) {
        if (maxValueBytes <= 0) {
            throw new IllegalArgumentException("maxValueBytes must be positive");
        }
        this.maxValueBytes = maxValueBytes;
        try {
            this.parser = JsonValues.factory(maxValueBytes).createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("jackson-core has no non-blocking parser", e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    public int maxValueBytes() {
        return maxValueBytes;
    }

    /**
     * Feeds {@code bytes[offset, offset+length)} and adds every value it completes to {@code out}, in order. The
     * array may be reused once this returns.
     *
     * @throws JsonDecodeException {@code PARSE} for malformed input, {@code TOO_LARGE} when the value in progress
     *     exceeds the bound; values completed before the error are in {@code out}
     */
    public void feed(byte[] bytes, int offset, int length, List<Object> out) throws JsonDecodeException {
        if (spent) {
            throw new IllegalStateException("decoder spent by an earlier error or end of input");
        }
        if (length == 0) {
            return;
        }
        long chunkStart = fed;
        try {
            feeder.feedInput(bytes, offset, offset + length);
            fed += length;
            long lastEnd = -1;
            JsonToken t;
            while ((t = parser.nextToken()) != JsonToken.NOT_AVAILABLE && t != null) {
                if (assembler.accept(parser, t)) {
                    out.add(assembler.take());
                    lastEnd = parser.currentLocation().getByteOffset();
                }
            }
            if (assembler.inValue()) {
                partial = true;
            } else if (lastEnd >= 0) {
                int from = (int) Math.max(0, Math.min(length, lastEnd - chunkStart));
                partial = !blank(bytes, offset + from, offset + length);
                countFrom = partial ? Math.max(lastEnd, chunkStart) : fed;
            } else if (!partial) {
                partial = !blank(bytes, offset, offset + length);
                countFrom = partial ? chunkStart : fed;
            }
        } catch (JsonDecodeException e) {
            spent = true;
            throw e;
        } catch (IOException | RuntimeException e) {
            spent = true;
            throw e instanceof IOException io ? JsonDecodeException.of(io)
                    : new JsonDecodeException(JsonDecodeException.Kind.PARSE, String.valueOf(e.getMessage()), e);
        }
        if (partial && fed - countFrom > maxValueBytes) {
            spent = true;
            throw new JsonDecodeException(JsonDecodeException.Kind.TOO_LARGE,
                    "request larger than " + maxValueBytes + " bytes");
        }
    }

    /**
     * The input ended: completes a value that needed its end to be seen (a bare number at the very end), and fails
     * with {@code INCOMPLETE} if a value was cut off. The decoder is spent afterwards.
     */
    public void endOfInput(List<Object> out) throws JsonDecodeException {
        if (spent) {
            return;
        }
        spent = true;
        feeder.endOfInput();
        try {
            JsonToken t;
            while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
                if (assembler.accept(parser, t)) {
                    out.add(assembler.take());
                    partial = false;
                }
            }
        } catch (IOException e) {
            // the parser's own message for a value cut off at the end ("Unexpected end-of-input")
            throw new JsonDecodeException(JsonDecodeException.Kind.INCOMPLETE, "incomplete JSON value at end of input", e);
        }
        if (assembler.inValue()) {
            throw new JsonDecodeException(JsonDecodeException.Kind.INCOMPLETE, "incomplete JSON value at end of input");
        }
    }

    /** Whether bytes of a value that has not completed yet were fed. */
    public boolean hasPartialValue() {
        return partial && !spent;
    }

    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return false;
            }
        }
        return true;
    }
}
