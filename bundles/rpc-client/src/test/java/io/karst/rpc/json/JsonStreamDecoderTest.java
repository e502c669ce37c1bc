package io.karst.rpc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonStreamDecoderTest {

    private static List<Object> decode(JsonStreamDecoder d, String text) throws JsonDecodeException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        List<Object> out = new ArrayList<>();
        d.feed(b, 0, b.length, out);
        return out;
    }

    @Test
    void concatenatedValuesWithoutDelimiterAndSplitAtEveryByte() throws Exception {
        String stream = "{\"jsonrpc\":\"2.0\",\"method\":\"a\",\"id\":1}{\"method\":\"b\",\"params\":{\"x\":[1,2,{\"y\":null}]},"
                + "\"id\":\"two\"}\n  [{\"method\":\"c\"},{\"method\":\"d\",\"id\":3}]\"é\"";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<Object> whole = new ArrayList<>();
        new JsonStreamDecoder(1 << 20).feed(bytes, 0, bytes.length, whole);
        assertThat(whole).hasSize(4);
        assertThat(whole.get(3)).isEqualTo("é");
        for (int chunk = 1; chunk <= 7; chunk++) {
            JsonStreamDecoder d = new JsonStreamDecoder(1 << 20);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < bytes.length; i += chunk) {
                byte[] part = Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk));
                d.feed(part, 0, part.length, out);
                Arrays.fill(part, (byte) 'x'); // the decoder must not keep a reference to fed arrays
            }
            assertThat(out).as("chunks of %d bytes", chunk).isEqualTo(whole);
            assertThat(d.hasPartialValue()).isFalse();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> second = (Map<String, Object>) whole.get(1);
        assertThat(second.get("id")).isEqualTo("two");
        assertThat(second.get("params")).isEqualTo(Map.of("x", List.of(1, 2, java.util.Collections.singletonMap("y", null))));
    }

    @Test
    void numbersKeepTheirValue() throws Exception {
        List<Object> out = decode(new JsonStreamDecoder(4096),
                "[1, 4294967296, 123456789012345678901234567890, -0.5, 1e400, 9007199254740993]");
        @SuppressWarnings("unchecked")
        List<Object> a = (List<Object>) out.get(0);
        assertThat(a.get(0)).isEqualTo(1);
        assertThat(a.get(1)).isEqualTo(4294967296L);
        assertThat(a.get(2)).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(a.get(3)).isEqualTo(-0.5);
        assertThat(a.get(4)).isEqualTo(new BigDecimal("1e400"));
        assertThat(a.get(5)).isEqualTo(9007199254740993L);
        assertThat(JsonValues.write(a)).isEqualTo("[1,4294967296,123456789012345678901234567890,-0.5,1E+400,9007199254740993]");
    }

    @Test
    void aBareNumberAtTheEndNeedsTheEndOfInput() throws Exception {
        JsonStreamDecoder d = new JsonStreamDecoder(4096);
        assertThat(decode(d, "{}42")).hasSize(1);
        assertThat(d.hasPartialValue()).isTrue();
        List<Object> out = new ArrayList<>();
        d.endOfInput(out);
        assertThat(out).containsExactly(42);
    }

    @Test
    void garbageIsAParseError() {
        for (String garbage : new String[] {"{\"method\": }", "}", "{\"a\" 1}", "nul", "[1,]", "{'a':1}"}) {
            JsonStreamDecoder d = new JsonStreamDecoder(4096);
            assertThatThrownBy(() -> {
                decode(d, garbage);
                d.endOfInput(new ArrayList<>());
            }).as(garbage).isInstanceOf(JsonDecodeException.class)
                    .satisfies(e -> assertThat(((JsonDecodeException) e).kind()).isIn(JsonDecodeException.Kind.PARSE,
                            JsonDecodeException.Kind.INCOMPLETE));
        }
        JsonStreamDecoder d = new JsonStreamDecoder(4096);
        assertThatThrownBy(() -> d.feed(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}, 0, 4, new ArrayList<>()))
                .isInstanceOf(JsonDecodeException.class)
                .extracting(e -> ((JsonDecodeException) e).kind()).isEqualTo(JsonDecodeException.Kind.PARSE);
    }

    @Test
    void valuesBeforeAnErrorAreDelivered() {
        JsonStreamDecoder d = new JsonStreamDecoder(4096);
        List<Object> out = new ArrayList<>();
        byte[] b = "{\"a\":1} {\"b\":2} {\"c\" 3}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> d.feed(b, 0, b.length, out)).isInstanceOf(JsonDecodeException.class);
        assertThat(out).containsExactly(Map.of("a", 1), Map.of("b", 2));
    }

    @Test
    void truncatedValueIsIncompleteAtTheEnd() throws Exception {
        JsonStreamDecoder d = new JsonStreamDecoder(4096);
        assertThat(decode(d, "{\"method\": \"rpc_get_me")).isEmpty();
        assertThat(d.hasPartialValue()).isTrue();
        assertThatThrownBy(() -> d.endOfInput(new ArrayList<>())).isInstanceOf(JsonDecodeException.class)
                .extracting(e -> ((JsonDecodeException) e).kind()).isEqualTo(JsonDecodeException.Kind.INCOMPLETE);
    }

    @Test
    void aValueOverTheBoundIsRefusedWhileItGrows() throws Exception {
        JsonStreamDecoder d = new JsonStreamDecoder(10_000);
        assertThat(decode(d, "{\"method\":\"ok\"}")).hasSize(1);
        byte[] chunk = new byte[4096];
        Arrays.fill(chunk, (byte) 'a');
        List<Object> out = new ArrayList<>();
        byte[] start = "{\"method\":\"x\",\"params\":{\"s\":\"".getBytes(StandardCharsets.UTF_8);
        d.feed(start, 0, start.length, out);
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                d.feed(chunk, 0, chunk.length, out);
            }
        }).isInstanceOf(JsonDecodeException.class)
                .extracting(e -> ((JsonDecodeException) e).kind()).isEqualTo(JsonDecodeException.Kind.TOO_LARGE);
        assertThat(out).isEmpty();
    }

    @Test
    void manySmallValuesAndWhitespaceNeverAddUpToTheBound() throws Exception {
        JsonStreamDecoder d = new JsonStreamDecoder(2048);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sb.append("{\"method\":\"m\",\"id\":").append(i).append("}   \n");
        }
        assertThat(decode(d, sb.toString())).hasSize(1000);
        byte[] blanks = new byte[4096];
        Arrays.fill(blanks, (byte) ' ');
        for (int i = 0; i < 10; i++) {
            d.feed(blanks, 0, blanks.length, new ArrayList<>());
        }
        assertThat(decode(d, "{\"id\":1}")).hasSize(1);
    }

    @Test
    void deepNestingIsRefused() {
        JsonStreamDecoder d = new JsonStreamDecoder(1 << 20);
        assertThatThrownBy(() -> decode(d, "[".repeat(100_000))).isInstanceOf(JsonDecodeException.class)
                .extracting(e -> ((JsonDecodeException) e).kind()).isEqualTo(JsonDecodeException.Kind.PARSE);
    }
}
