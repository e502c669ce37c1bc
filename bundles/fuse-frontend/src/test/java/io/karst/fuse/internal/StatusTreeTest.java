package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.status.StatusFileProvider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusTreeTest {
    record Fixed(String tree, List<String> files, String content) implements StatusFileProvider {
        @Override
        public String read(String path) {
            return files.contains(path) ? content : null;
        }
    }

    @Test
    void mergesProvidersAndDerivesDirectories() {
        StatusTree t = new StatusTree();
        t.add(new Fixed("sys", List.of("block/a/size", "block/a/queue/logical_block_size"), "1\n"), 0);
        t.add(new Fixed("sys", List.of("block/r0/role"), "Secondary\n"), 0);
        t.add(new Fixed("proc", List.of("drbd"), "version\n"), 0);
        assertThat(t.list("sys", "")).isEqualTo(Map.of("block", true));
        assertThat(t.list("sys", "block")).isEqualTo(Map.of("a", true, "r0", true));
        assertThat(t.list("sys", "block/a")).isEqualTo(Map.of("size", false, "queue", true));
        assertThat(t.isDirectory("sys", "block/a/queue")).isTrue();
        assertThat(t.isDirectory("sys", "block/a/size")).isFalse();
        assertThat(t.read("sys", "block/r0/role")).isEqualTo("Secondary\n");
        assertThat(t.read("proc", "drbd")).isEqualTo("version\n");
        assertThat(t.read("proc", "nope")).isNull();
    }

    @Test
    void higherRankingWinsAndInvalidPathsAreIgnored() {
        StatusTree t = new StatusTree();
        t.add(new Fixed("proc", List.of("drbd", "../etc/passwd", "a//b", "", "ok/."), "low\n"), 0);
        t.add(new Fixed("proc", List.of("drbd"), "high\n"), 10);
        assertThat(t.read("proc", "drbd")).isEqualTo("high\n");
        assertThat(t.files("proc").keySet()).containsExactly("drbd");
    }

    @Test
    void aFailingProviderDoesNotHideTheOthers() {
        StatusTree t = new StatusTree();
        t.add(new StatusFileProvider() {
            public String tree() {
                return "proc";
            }

            public List<String> files() {
                throw new IllegalStateException("broken");
            }

            public String read(String path) {
                return null;
            }
        }, 0);
        t.add(new Fixed("proc", List.of("bdevs"), "x\n"), 0);
        assertThat(t.read("proc", "bdevs")).isEqualTo("x\n");
    }
}
