package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesValuesObjectsAndArrays() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001");
        m.put("n", 42);
        m.put("d", 1.5);
        m.put("whole", 3.0);
        m.put("nan", Double.NaN);
        m.put("t", true);
        m.put("null", null);
        m.put("list", Arrays.asList(1, null, "x"));
        m.put("empty", List.of());
        assertThat(Json.write(m)).isEqualTo("{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":42,\"d\":1.5,\"whole\":3,"
                + "\"nan\":null,\"t\":true,\"null\":null,\"list\":[1,null,\"x\"],\"empty\":[]}");
    }

    @Test
    void escapesWhatCouldCloseAScriptElement() {
        assertThat(Json.write("</script>")).isEqualTo("\"\\u003c/script>\"");
        assertThat(Json.write("\u2028")).isEqualTo("\"\\u2028\"");
    }
}
