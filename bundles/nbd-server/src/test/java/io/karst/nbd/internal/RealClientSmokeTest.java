package io.karst.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** libnbd's nbdinfo against the engine, when it is installed (the distribution tests use it always). */
class RealClientSmokeTest {
    @Test
    void nbdinfoSeesTheExport() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nbdinfo")), "nbdinfo not installed");
        try (EngineFixture f = new EngineFixture()) {
            Process p = new ProcessBuilder("nbdinfo", "nbd://127.0.0.1:" + f.port() + "/ram").redirectErrorStream(true)
                    .start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes());
            System.out.println(out);
            assertThat(out).contains("export-size: 16777216").contains("can_multi_conn: true");
            assertThat(p.exitValue()).isZero();
        }
    }
}
