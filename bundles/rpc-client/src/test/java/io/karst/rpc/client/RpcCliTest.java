package io.karst.rpc.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RpcCliTest {

    @Test
    void paramsFromMembersJsonOrFile(@TempDir Path dir) throws Exception {
        assertThat(RpcCli.params(List.of())).isNull();
        assertThat(RpcCli.params(List.of("name=Malloc1", "num_blocks=2048", "flag=true", "uuid=abc-1", "list=[1,2]")))
                .containsExactly(Map.entry("name", "Malloc1"), Map.entry("num_blocks", 2048), Map.entry("flag", true),
                        Map.entry("uuid", "abc-1"), Map.entry("list", List.of(1, 2)));
        assertThat(RpcCli.params(List.of("{\"name\": \"x\"}"))).isEqualTo(Map.of("name", "x"));
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{\"subsystems\": []}");
        assertThat(RpcCli.params(List.of("@" + f))).isEqualTo(Map.of("subsystems", List.of()));
        assertThat(RpcCli.params(List.of("@" + f, "wait_ms=5000"))).isEqualTo(Map.of("subsystems", List.of(), "wait_ms", 5000));
        assertThatThrownBy(() -> RpcCli.params(List.of("oops"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RpcCli.params(List.of("{\"a\":"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exitCodes(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(RpcCli.run(new String[] {}, o, e)).isEqualTo(2);
        assertThat(RpcCli.run(new String[] {"-x", "m"}, o, e)).isEqualTo(2);
        assertThat(RpcCli.run(new String[] {"--help"}, o, e)).isZero();
        assertThat(RpcCli.run(new String[] {"-s", dir.resolve("none.sock").toString(), "spdk_get_version"}, o, e))
                .isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is Karst running?");
    }
}
