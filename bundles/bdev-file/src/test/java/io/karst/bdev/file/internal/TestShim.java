package io.karst.bdev.file.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The shim Maven built for this test run ({@code karst.file.native.dir}), loaded once per test JVM. */
final class TestShim {
    private static FileShim shim;

    private TestShim() {
    }

    static synchronized FileShim get() {
        if (shim == null) {
            String dir = System.getProperty("karst.file.native.dir");
            try {
                shim = dir != null ? FileShim.loadFrom(Path.of(dir))
                        : FileShim.extractAndLoad(Path.of(System.getProperty("java.io.tmpdir"), "karst-file-test"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shim;
    }

    static FileBdevConfig config(String name, Path file, int blockSize, long size, FileBdevConfig.Engine engine) {
        return new FileBdevConfig(name, null, file, blockSize, size, false, false, engine);
    }
}
