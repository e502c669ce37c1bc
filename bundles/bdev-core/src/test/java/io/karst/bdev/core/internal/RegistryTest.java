package io.karst.bdev.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevException;
import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoType;
import io.karst.bdev.OpenOptions;
import io.karst.bdev.spi.BdevProperties;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RegistryTest {
    private final BdevRegistryImpl registry = new BdevRegistryImpl();

    {
        registry.setRemovalTimeoutMillis(100);
    }

    @Test
    void namesAndAliasesAreUnique() {
        FakeDevice a = new FakeDevice(BdevProperties.builder("A", "fake").blockCount(8).aliases(List.of("alpha"))
                .ioTypes(IoType.READ).build());
        FakeDevice dupName = new FakeDevice("A");
        FakeDevice dupAlias = new FakeDevice(BdevProperties.builder("B", "fake").blockCount(8)
                .aliases(List.of("alpha")).ioTypes(IoType.READ).build());
        FakeDevice nameIsAlias = new FakeDevice("alpha");
        registry.addDevice(a);
        registry.addDevice(dupName);
        registry.addDevice(dupAlias);
        registry.addDevice(nameIsAlias);
        assertThat(registry.bdevs()).extracting(Bdev::name).containsExactly("A");
        assertThat(registry.find("alpha")).map(Bdev::name).contains("A");
        try (var d = registry.open("alpha", OpenOptions.readOnly("x"))) {
            assertThat(d.bdev().name()).isEqualTo("A");
        }
        registry.removeDevice(a);
        assertThat(registry.find("alpha")).isEmpty();
        registry.addDevice(dupAlias);
        assertThat(registry.find("alpha")).map(Bdev::name).contains("B");
    }

    @Test
    void listenersHearAboutExistingAndNewBdevsInOrder() {
        registry.addDevice(new FakeDevice("first"));
        List<String> heard = new CopyOnWriteArrayList<>();
        BdevRegistry.Listener l = new BdevRegistry.Listener() {
            @Override
            public void bdevAdded(Bdev bdev) {
                heard.add("+" + bdev.name());
            }

            @Override
            public void bdevRemoved(Bdev bdev) {
                heard.add("-" + bdev.name());
            }
        };
        registry.addListener(l);
        FakeDevice second = new FakeDevice("second");
        registry.addDevice(second);
        registry.removeDevice(second);
        registry.removeListener(l);
        registry.addDevice(new FakeDevice("third"));
        assertThat(heard).containsExactly("+first", "+second", "-second");
    }

    @Test
    void openingWritableOnAReadOnlyDeviceIsRefused() {
        registry.addDevice(new FakeDevice(BdevProperties.builder("ro", "fake").blockCount(8).readOnly(true)
                .ioTypes(IoType.READ).build()));
        assertThatThrownBy(() -> registry.open("ro", OpenOptions.readWrite("w")))
                .extracting(e -> ((BdevException) e).reason()).isEqualTo(BdevException.Reason.READ_ONLY);
        assertThat(registry.open("ro", OpenOptions.readOnly("r")).writable()).isFalse();
    }

    @Test
    void unknownNamesAreReportedClearly() {
        assertThatThrownBy(() -> registry.open("nope", OpenOptions.readOnly("r")))
                .isInstanceOf(BdevException.class).hasMessage("no bdev named nope");
    }
}
