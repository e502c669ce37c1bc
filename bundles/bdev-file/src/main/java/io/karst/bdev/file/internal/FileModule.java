package io.karst.bdev.file.internal;

import io.karst.bdev.BdevAdmin.Parameter;
import io.karst.bdev.BdevAdmin.Parameter.Kind;
import io.karst.bdev.spi.BdevType;
import io.karst.bdev.spi.SpdkRpcMapping;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The file module: the {@code file} bdev type (its parameters and their validation) and the module-wide native
 * shim, which it copies out of the bundle and loads once. Each bdev of the type is a factory configuration of
 * {@value #FACTORY_PID}, turned into a device by {@link FileBdevComponent}.
 */
@Component(service = {BdevType.class, FileModule.class})
public final class FileModule implements BdevType {
    public static final String FACTORY_PID = "io.karst.bdev.file";
    private static final System.Logger LOG = System.getLogger(FileModule.class.getName());

    private static final List<Parameter> PARAMETERS = List.of(
            new Parameter(FileBdevConfig.FILENAME, "absolute path of the backing regular file or block device",
                    Kind.PATH, true, null),
            new Parameter(BLOCK_SIZE, "logical block size in bytes (512 to 65536, a power of two; with direct I/O"
                    + " at least the device's logical block size)", Kind.INTEGER, false, "512"),
            new Parameter(SIZE, "size of a regular file bdev: the file is created or extended (sparse) to it;"
                    + " default: the file's size", Kind.SIZE, false, null),
            new Parameter(FileBdevConfig.DIRECT, "bypass the page cache (O_DIRECT)", Kind.BOOLEAN, false, "false"),
            new Parameter(FileBdevConfig.READONLY, "open the file read-only", Kind.BOOLEAN, false, "false"),
            new Parameter(FileBdevConfig.ENGINE, "I/O engine: auto (io_uring where available), uring or threads",
                    Kind.STRING, false, "auto"));

    private FileShim shim;
    private String shimProblem;

    /** For DS. */
    public FileModule() {
    }

    /** For tests and benchmarks: a module with an already loaded shim (or none). */
    public FileModule(FileShim shim) {
        this.shim = shim;
        this.shimProblem = shim == null ? "not loaded" : null;
    }

    @Activate
    void activate(BundleContext context) {
        File data = context.getDataFile("native");
        try {
            Path dir = data != null ? data.toPath() : Files.createTempDirectory("karst-file-native");
            shim = FileShim.extractAndLoad(dir);
            if (shim.uringAvailable()) {
                LOG.log(System.Logger.Level.INFO, "file bdevs: io_uring engine available");
            } else {
                LOG.log(System.Logger.Level.WARNING, "file bdevs: " + shim.uringUnavailableReason()
                        + "; they will use the threads engine");
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            shim = null;
            shimProblem = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "file bdevs: native shim unavailable (" + e.getMessage()
                    + "); regular files only, threads engine, no UNMAP or fallocate");
        }
    }

    /** The loaded shim, or {@code null}. */
    public FileShim shim() {
        return shim;
    }

    String shimProblem() {
        return shimProblem;
    }

    @Override
    public String name() {
        return FileBdev.MODULE;
    }

    @Override
    public String description() {
        return "bdev backed by a regular file or a block device (io_uring or thread pool; optional O_DIRECT)";
    }

    @Override
    public String factoryPid() {
        return FACTORY_PID;
    }

    @Override
    public List<Parameter> parameters() {
        return PARAMETERS;
    }

    @Override
    public boolean resizable() {
        return true;
    }

    @Override
    public SpdkRpcMapping spdkRpc() {
        return AioSpdkRpc.INSTANCE;
    }

    /**
     * Checks the parameters against the file itself: it must exist (or be creatable with a size), be a regular
     * file or block device, open with the requested access and direct mode, and suit the block size.
     */
    @Override
    public Map<String, Object> configure(Map<String, String> parameters) {
        FileBdevConfig cfg = FileBdevConfig.fromParameters(parameters);
        try {
            FileBdevConfig.Engine engine = FileBdev.resolveEngine(cfg, shim);
            BackingFile file = BackingFile.open(cfg, shim, false);
            if (file != null) {
                try {
                    if (engine == FileBdevConfig.Engine.THREADS && cfg.direct()) {
                        ThreadsEngine.checkDirect(file.path, cfg.blockSize());
                    }
                } finally {
                    file.close();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return cfg.typeProperties();
    }
}
