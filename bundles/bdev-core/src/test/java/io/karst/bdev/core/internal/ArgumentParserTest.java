package io.karst.bdev.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.BdevException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentParserTest {
    private static final List<Parameter> PARAMS = List.of(
            new Parameter("filename", "", Parameter.Kind.PATH, true, null),
            new Parameter("block_size", "", Parameter.Kind.INTEGER, false, "512"),
            new Parameter("size", "", Parameter.Kind.SIZE, false, null),
            new Parameter("direct", "", Parameter.Kind.BOOLEAN, false, "false"),
            new Parameter("base_bdev", "", Parameter.Kind.BDEV, false, null));
    private final BdevRegistryImpl registry = new BdevRegistryImpl();

    @Test
    void positionalAndNamedValuesMix() {
        Map<String, String> m = ArgumentParser.byName("file", PARAMS, List.of("/tmp/a=b.img", "direct=yes", "4096"));
        assertThat(m).containsEntry("filename", "/tmp/a=b.img").containsEntry("direct", "yes")
                .containsEntry("block_size", "4096");
        Map<String, String> n = ArgumentParser.normalise("file", PARAMS, Map.of("filename", "/tmp/x/../y.img",
                "size", "1G", "direct", "on"), registry);
        assertThat(n).containsEntry("filename", "/tmp/y.img").containsEntry("size", "1073741824")
                .containsEntry("direct", "true").containsEntry("block_size", "512").doesNotContainKey("base_bdev");
    }

    @Test
    void badInputGetsAClearError() {
        assertThatThrownBy(() -> ArgumentParser.byName("file", PARAMS, List.of("a", "b", "1G", "no", "x", "extra")))
                .hasMessageContaining("too many arguments");
        assertThatThrownBy(() -> ArgumentParser.byName("file", PARAMS, List.of("size=1G", "size=2G")))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("size", "1G"), registry))
                .hasMessageContaining("needs filename");
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("filename", "f", "colour", "red"),
                registry)).hasMessageContaining("unknown parameter 'colour'");
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("filename", "f", "size", "1Q"),
                registry)).hasMessageContaining("bad value for size");
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("filename", "f", "direct", "perhaps"),
                registry)).hasMessageContaining("bad value for direct");
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("filename", "f", "base_bdev", "Nope"),
                registry)).isInstanceOf(BdevException.class).hasMessageContaining("no bdev named Nope")
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.NOT_FOUND);
        assertThatThrownBy(() -> ArgumentParser.normalise("file", PARAMS, Map.of("filename", "f", "uuid", "xyz"),
                registry)).hasMessageContaining("bad value for uuid");
    }

    @Test
    void aBaseBdevMustBeFreeToClaim() {
        registry.addDevice(new FakeDevice("Base"));
        assertThat(ArgumentParser.normalise("passthru", PARAMS, Map.of("filename", "f", "base_bdev", "Base"), registry))
                .containsEntry("base_bdev", "Base");
        try (var reader = registry.open("Base", io.karst.bdev.OpenOptions.readOnly("a reader"))) {
            assertThat(ArgumentParser.normalise("passthru", PARAMS, Map.of("filename", "f", "base_bdev", "Base"),
                    registry)).containsEntry("base_bdev", "Base");
        }
        try (var nbd = registry.open("Base", io.karst.bdev.OpenOptions.frontend("nbd export Base"))) {
            assertThatThrownBy(() -> ArgumentParser.normalise("passthru", PARAMS, Map.of("filename", "f",
                    "base_bdev", "Base"), registry)).hasMessageContaining("nbd export Base has it open for writing")
                    .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.CLAIMED);
        }
    }

    @Test
    void ldapValuesAreEscaped() {
        assertThat(BdevAdminImpl.ldap("a*(b)\\c")).isEqualTo("a\\*\\(b\\)\\\\c");
    }
}
