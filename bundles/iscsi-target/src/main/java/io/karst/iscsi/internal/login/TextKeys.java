package io.karst.iscsi.internal.login;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** iSCSI text data: {@code key=value} pairs, each terminated by a NUL byte (RFC 7143 6.1). */
public final class TextKeys {
    public static final int MAX_KEY_LENGTH = 63;
    public static final int MAX_VALUE_LENGTH = 8192;

    private TextKeys() {
    }

    /** One key and its value, in the order received. */
    public record Pair(String key, String value) {
        @Override
        public String toString() {
            return isSecret(key) ? key + "=<hidden>" : key + "=" + value;
        }
    }

    /** Whether a key carries authentication material that must never be logged. */
    public static boolean isSecret(String key) {
        return key.startsWith("CHAP_R") || key.startsWith("CHAP_C");
    }

    /**
     * Parses text data. A trailing fragment without NUL is returned through {@code rest} (for C-bit continuation).
     *
     * @throws IllegalArgumentException on a pair without '=', an empty or over-long key, an over-long value,
     *                                  or a non-UTF-8 byte sequence
     */
    public static List<Pair> parse(byte[] data) {
        List<Pair> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                if (i > start) {
                    out.add(pair(new String(data, start, i - start, StandardCharsets.UTF_8)));
                }
                start = i + 1;
            }
        }
        if (start < data.length) {
            // RFC: every pair ends with NUL; tolerate padding-less last pair only when non-empty
            out.add(pair(new String(data, start, data.length - start, StandardCharsets.UTF_8)));
        }
        return out;
    }

    public static List<Pair> parse(ByteBuf buf) {
        byte[] b = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), b);
        return parse(b);
    }

    private static Pair pair(String s) {
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("text item without key=value: " + abbreviate(s));
        }
        String key = s.substring(0, eq);
        String value = s.substring(eq + 1);
        if (key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key longer than 63 characters: " + abbreviate(key));
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("value of " + key + " is longer than 8192 bytes");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '+' || c == '@' || c == '_')) {
                throw new IllegalArgumentException("invalid character in key " + abbreviate(key));
            }
        }
        return new Pair(key, value);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    public static byte[] encode(List<Pair> pairs) {
        StringBuilder sb = new StringBuilder();
        for (Pair p : pairs) {
            sb.append(p.key()).append('=').append(p.value()).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] encode(Map<String, String> pairs) {
        List<Pair> l = new ArrayList<>();
        pairs.forEach((k, v) -> l.add(new Pair(k, v)));
        return encode(l);
    }
}
