package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MountTableTest {
    private static final String TEXT = """
            22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
            85 30 0:44 / /var/lib/karst/data/fuse rw,nosuid,nodev,relatime shared:40 - fuse.karst karst rw,user_id=0,group_id=0,default_permissions,allow_other
            86 30 0:45 / /tmp/with\\040space rw,relatime - fuse.karst karst rw
            garbage line
            87 30 0:46 / /mnt/x rw - ext4 /dev/loop0 rw
            """;

    @Test
    void findsMountsWithTypeSourceAndConnection() {
        List<MountTable.Mount> all = MountTable.parse(TEXT);
        assertThat(all).hasSize(4);
        List<MountTable.Mount> at = MountTable.at(all, Path.of("/var/lib/karst/data/fuse"));
        assertThat(at).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("fuse.karst");
            assertThat(m.source()).isEqualTo("karst");
            assertThat(m.minor()).isEqualTo(44);
        });
        assertThat(MountTable.at(all, Path.of("/tmp/with space"))).hasSize(1);
        assertThat(MountTable.at(all, Path.of("/var/lib/karst/data"))).isEmpty();
    }

    @Property
    void escapingRoundTrips(@ForAll String path) {
        assertThat(MountTable.unescape(MountTable.escape(path))).isEqualTo(path);
    }

    @Property
    void arbitraryTextNeverFails(@ForAll String text) {
        assertThat(MountTable.parse(text)).isNotNull();
    }
}
