package io.karst.rpc.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonValues;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRpcProtocolTest {
    private final List<String> called = new ArrayList<>();
    private final JsonRpcProtocol protocol = new JsonRpcProtocol((method, params) -> {
        called.add(method);
        return switch (method) {
            case "echo" -> params;
            case "exists" -> throw RpcException.errno(RpcException.EEXIST, "File exists");
            case "typed" -> io.karst.rpc.RpcParams.of(params).requiredLong("n");
            case "broken" -> throw new IllegalStateException("secret internals");
            case "opaque" -> new Object();
            default -> throw new RpcException(RpcException.METHOD_NOT_FOUND, "Method not found", method, null);
        };
    });

    private Object handle(String json) throws Exception {
        return protocol.handle(JsonValues.parse(json));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Object response) {
        return (Map<String, Object>) ((Map<String, Object>) response).get("error");
    }

    @Test
    void resultEchoesTheIdExactly() throws Exception {
        for (String id : new String[] {"1", "\"abc\"", "123456789012345678901234567890", "1.5", "-7", "null"}) {
            Object r = handle("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"a\":[1,{\"b\":null}]},\"id\":" + id + "}");
            assertThat(JsonValues.write(r)).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":" + id
                    + ",\"result\":{\"a\":[1,{\"b\":null}]}}");
        }
        Map<?, ?> r = (Map<?, ?>) handle("{\"method\":\"echo\",\"id\":18446744073709551616}");
        assertThat(r.get("id")).isEqualTo(new BigInteger("18446744073709551616"));
        assertThat(r.get("result")).isNull();
        assertThat(r.containsKey("result")).isTrue();
    }

    @Test
    void errorCodesAndShapes() throws Exception {
        assertThat(error(handle("{\"method\":\"nope\",\"id\":1}"))).isEqualTo(
                Map.of("code", -32601, "message", "Method not found", "data", "nope"));
        assertThat(error(handle("{\"method\":\"exists\",\"id\":1}"))).isEqualTo(Map.of("code", -17, "message", "File exists"));
        assertThat(error(handle("{\"method\":\"typed\",\"params\":{\"n\":\"x\"},\"id\":1}")))
                .isEqualTo(Map.of("code", -32602, "message", "n must be an integer"));
        assertThat(error(handle("{\"method\":\"echo\",\"params\":[1,2],\"id\":1}")).get("code")).isEqualTo(-32602);
        for (String invalid : new String[] {"{\"id\":1}", "{\"method\":5,\"id\":1}", "{\"method\":\"echo\",\"id\":{}}",
                "{\"method\":\"echo\",\"id\":[1]}", "{\"method\":\"echo\",\"id\":true}", "{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}",
                "{\"method\":\"echo\",\"params\":\"x\",\"id\":1}", "42", "\"str\"", "null", "[]"}) {
            Map<String, Object> e = error(handle(invalid));
            assertThat(e.get("code")).as(invalid).isEqualTo(-32600);
            assertThat(e.get("message")).as(invalid).isEqualTo("Invalid request");
        }
    }

    @Test
    void unexpectedFailuresAreInternalErrorsWithoutInternals() throws Exception {
        Map<String, Object> e = error(handle("{\"method\":\"broken\",\"id\":9}"));
        assertThat(e.get("code")).isEqualTo(-32603);
        assertThat(e.get("message")).isEqualTo("Internal error");
        assertThat(String.valueOf(e.get("data"))).doesNotContain("secret").doesNotContain("IllegalState").contains("incident");
        String wire = new String(JsonRpcProtocol.encode(handle("{\"method\":\"opaque\",\"id\":3}")), StandardCharsets.UTF_8);
        assertThat(wire).startsWith("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32603").endsWith("}\n");
    }

    @Test
    void notificationsRunAndAreNeverAnswered() throws Exception {
        assertThat(handle("{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}")).isNull();
        assertThat(handle("{\"method\":\"nope\"}")).isNull();
        assertThat(handle("{\"method\":\"broken\"}")).isNull();
        assertThat(called).containsExactly("echo", "nope", "broken");
        // id null is a request (answered), as the specification says
        assertThat(handle("{\"method\":\"echo\",\"id\":null}")).isNotNull();
    }

    @Test
    void batchesAnswerInOrderAndSkipNotifications() throws Exception {
        Object r = handle("[{\"method\":\"echo\",\"params\":{\"i\":1},\"id\":1}, {\"method\":\"echo\"}, 7,"
                + " {\"method\":\"nope\",\"id\":\"x\"}, {\"method\":\"exists\",\"id\":2}]");
        assertThat(JsonValues.write(r)).isEqualTo("[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"i\":1}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request\",\"data\":\"a request is a JSON object, not a number\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,\"message\":\"Method not found\",\"data\":\"nope\"}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-17,\"message\":\"File exists\"}}]");
        assertThat(handle("[{\"method\":\"echo\"},{\"method\":\"echo\"}]")).isNull();
    }
}
