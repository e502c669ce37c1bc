package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.bdev.BdevAdmin;
import io.karst.bdev.spi.BlockDevice;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The {@code file} type (parameters and their validation) and the per-bdev component's life cycle. */
class FileModuleTest {
    @TempDir
    Path dir;

    private final FileModule module = new FileModule(TestShim.get());

    private Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>(Map.of("block_size", "512", "direct", "false", "readonly", "false",
                "engine", "auto"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void describesItsParameters() {
        assertThat(module.name()).isEqualTo("file");
        assertThat(module.factoryPid()).isEqualTo("io.karst.bdev.file");
        assertThat(module.resizable()).isTrue();
        assertThat(module.parameters()).extracting(BdevAdmin.Parameter::name)
                .containsExactly("filename", "block_size", "size", "direct", "readonly", "engine");
        assertThat(module.parameters().get(0).required()).isTrue();
        assertThat(module.parameters().get(0).kind()).isEqualTo(BdevAdmin.Parameter.Kind.PATH);
        assertThat(module.parameters().get(2).kind()).isEqualTo(BdevAdmin.Parameter.Kind.SIZE);
    }

    @Test
    void configureNormalisesWithoutTouchingTheFile() {
        Path f = dir.resolve("new.img");
        Map<String, Object> props = module.configure(params("filename", f + "/", "size", "1048576",
                "block_size", "4096", "direct", "true"));
        assertThat(props).containsEntry("filename", f.toString()).containsEntry("block_size", 4096)
                .containsEntry("size", 1048576L).containsEntry("direct", true).containsEntry("readonly", false)
                .containsEntry("engine", "auto");
        assertThat(f).doesNotExist();
    }

    @Test
    void configureRefusesWithAMessage() throws Exception {
        assertThatThrownBy(() -> module.configure(params())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks 'filename'");
        assertThatThrownBy(() -> module.configure(params("filename", "relative.img")))
                .hasMessage("filename must be an absolute path, not 'relative.img'");
        assertThatThrownBy(() -> module.configure(params("filename", dir.resolve("none.img").toString())))
                .hasMessage(dir.resolve("none.img") + " does not exist (give a size to create a file)");
        assertThatThrownBy(() -> module.configure(params("filename", dir.toString())))
                .hasMessageContaining("is a directory");
        Path f = Files.write(dir.resolve("f.img"), new byte[8192]);
        assertThatThrownBy(() -> module.configure(params("filename", f.toString(), "block_size", "3000")))
                .hasMessageContaining("block_size must be a power of two");
        assertThatThrownBy(() -> module.configure(params("filename", f.toString(), "engine", "spdk")))
                .hasMessage("engine must be auto, uring or threads, not 'spdk'");
        assertThat(module.configure(params("filename", f.toString()))).containsEntry("filename", f.toString());
        assertThatThrownBy(() -> new FileModule(null).configure(params("filename", f.toString(), "engine", "uring")))
                .hasMessageContaining("engine=uring needs the native shim");
    }

    @Test
    void componentRegistersResizesAndRemovesTheDevice() throws Exception {
        FakeContext ctx = new FakeContext();
        Path f = dir.resolve("c.img");
        Map<String, Object> props = new HashMap<>(Map.of("name", "File0", "uuid",
                "2f1c8a34-9a53-4c3e-9b0a-61f1a3c0d6ee", "filename", f.toString(), "size", "1M", "block_size", 4096,
                "engine", "auto"));
        FileBdevComponent c = new FileBdevComponent(module, ctx.context(), props);
        assertThat(ctx.registered).hasSize(1);
        assertThat(ctx.registered.get(0).properties).containsEntry(BlockDevice.NAME_PROPERTY, "File0")
                .containsEntry(BlockDevice.MODULE_PROPERTY, "file");
        FileBdev device = (FileBdev) ctx.registered.get(0).service;
        assertThat(device.properties().blockCount()).isEqualTo(256);
        assertThat(device.properties().uuid().toString()).isEqualTo("2f1c8a34-9a53-4c3e-9b0a-61f1a3c0d6ee");

        props.put("size", 4L << 20);
        c.modified(props);
        assertThat(device.properties().blockCount()).isEqualTo(1024);
        assertThat(Files.size(f)).isEqualTo(4 << 20);

        c.modified(props); // nothing changed: nothing happens
        assertThat(device.properties().blockCount()).isEqualTo(1024);

        c.deactivate();
        assertThat(ctx.registered.get(0).unregistered).isTrue();
        assertThat(device.isClosed()).isTrue();
    }

    @Test
    void aFileWithoutConfiguredSizeKeepsItsSizeOnUnrelatedChanges() throws Exception {
        FakeContext ctx = new FakeContext();
        Path f = Files.write(dir.resolve("sized.img"), new byte[64 * 1024]);
        Map<String, Object> props = new HashMap<>(Map.of("name", "File1", "filename", f.toString()));
        FileBdevComponent c = new FileBdevComponent(module, ctx.context(), props);
        FileBdev device = c.device();
        assertThat(device.properties().blockCount()).isEqualTo(128);
        props.put("readonly", "true");
        c.modified(props);
        assertThat(device.properties().blockCount()).isEqualTo(128);
        assertThat(Files.size(f)).isEqualTo(64 * 1024);
        c.deactivate();
    }

    @Test
    void aComponentWhoseFileIsGoneRegistersNothing() {
        FakeContext ctx = new FakeContext();
        FileBdevComponent c = new FileBdevComponent(module, ctx.context(), Map.of("name", "Gone", "filename",
                dir.resolve("gone.img").toString()));
        assertThat(ctx.registered).isEmpty();
        assertThat(c.device()).isNull();
        c.modified(Map.of("name", "Gone", "filename", dir.resolve("gone.img").toString(), "size", "1M"));
        c.deactivate();
    }

    /** Just enough of a BundleContext: records service registrations. */
    private static final class FakeContext {
        final List<Registration> registered = new ArrayList<>();

        static final class Registration {
            Object service;
            Map<String, Object> properties = new HashMap<>();
            boolean unregistered;
        }

        BundleContext context() {
            return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[]{BundleContext.class}, (proxy, method, args) -> {
                        if (method.getName().equals("registerService")) {
                            Registration r = new Registration();
                            r.service = args[1];
                            Dictionary<?, ?> d = (Dictionary<?, ?>) args[2];
                            for (Object k : java.util.Collections.list(d.keys())) {
                                r.properties.put((String) k, d.get(k));
                            }
                            registered.add(r);
                            return Proxy.newProxyInstance(getClass().getClassLoader(),
                                    new Class<?>[]{ServiceRegistration.class}, (p2, m2, a2) -> {
                                        if (m2.getName().equals("unregister")) {
                                            r.unregistered = true;
                                        }
                                        return null;
                                    });
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });
        }
    }
}
