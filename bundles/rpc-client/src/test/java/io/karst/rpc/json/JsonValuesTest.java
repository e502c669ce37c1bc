package io.karst.rpc.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {

    @Test
    void parseAndWriteRoundTrip() throws Exception {
        String text = "{\"s\":\"a\\\"b\\u00e9\",\"n\":[1,-2,3.5,true,false,null],\"o\":{},\"big\":18446744073709551615}";
        Object v = JsonValues.parse(text);
        assertThat(JsonValues.write(v)).isEqualTo(text.replace("\\u00e9", "é"));
        assertThat(((Map<?, ?>) v).get("big")).isEqualTo(new BigInteger("18446744073709551615"));
    }

    @Test
    void onlyOneValue() {
        assertThatThrownBy(() -> JsonValues.parse("{} {}")).isInstanceOf(JsonDecodeException.class);
        assertThatThrownBy(() -> JsonValues.parse("")).isInstanceOf(JsonDecodeException.class);
        assertThatThrownBy(() -> JsonValues.parse("{\"a\":")).isInstanceOf(JsonDecodeException.class)
                .hasMessageContaining("ncomplete");
    }

    @Test
    void prettyLooksLikePythonsIndent2() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subsystems", List.of(Map.of("subsystem", "bdev"), Map.of()));
        m.put("empty", List.of());
        assertThat(JsonValues.writePretty(m)).isEqualTo("""
                {
                  "subsystems": [
                    {
                      "subsystem": "bdev"
                    },
                    {}
                  ],
                  "empty": []
                }""");
    }

    @Test
    void jsonEqualityIgnoresNumberTypesAndMemberOrder() {
        assertThat(JsonValues.jsonEquals(Map.of("a", 512, "b", List.of(1L)), Map.of("b", List.of(BigInteger.ONE), "a", 512.0)))
                .isTrue();
        assertThat(JsonValues.jsonEquals(Map.of("a", 1), Map.of("a", "1"))).isFalse();
        assertThat(JsonValues.containsAll(Map.of("name", "M", "uuid", "u", "num_blocks", 8L),
                Map.of("name", "M", "num_blocks", 8))).isTrue();
        assertThat(JsonValues.containsAll(Map.of("name", "M"), Map.of("name", "M", "num_blocks", 8))).isFalse();
    }

    @Test
    void unknownTypesAreNotWritten() {
        assertThatThrownBy(() -> JsonValues.write(Map.of("x", new Object()))).isInstanceOf(IllegalArgumentException.class);
        assertThat(JsonValues.write(List.of(java.time.DayOfWeek.MONDAY, new long[] {1, 2}))).isEqualTo("[\"MONDAY\",[1,2]]");
    }
}
