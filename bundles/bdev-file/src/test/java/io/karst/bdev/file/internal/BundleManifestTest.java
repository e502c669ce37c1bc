package io.karst.bdev.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * The bundle's manifest (written by bnd before the tests run): what jnr-ffi needs inside OSGi, and nothing
 * exported. Without the jnr imports the shim fails to load in Karaf and every file bdev silently falls back to
 * the threads engine.
 */
class BundleManifestTest {
    @Test
    void importsWhatJnrGeneratedCodeNeedsAndExportsNothing() throws Exception {
        Path mf = Path.of("target/classes/META-INF/MANIFEST.MF");
        Manifest manifest;
        try (InputStream in = Files.newInputStream(mf)) {
            manifest = new Manifest(in);
        }
        String imports = manifest.getMainAttributes().getValue("Import-Package");
        assertThat(imports).contains("jnr.ffi.provider;", "jnr.ffi.provider.jffi", "jnr.ffi.mapper",
                "jnr.ffi.provider.converters", "com.kenai.jffi", "com.sun.nio.file;resolution:=optional");
        assertThat(manifest.getMainAttributes().getValue("DynamicImport-Package")).contains("jnr.ffi.*");
        assertThat(manifest.getMainAttributes().getValue("Export-Package")).isNull();
        assertThat(manifest.getMainAttributes().getValue("Bundle-SymbolicName")).isEqualTo("io.karst.bdev.file");
        assertThat(manifest.getMainAttributes().getValue("Service-Component"))
                .contains("FileModule", "FileBdevComponent");
        assertThat(Path.of("target/classes", FileShim.resourcePath())).exists();
    }
}
