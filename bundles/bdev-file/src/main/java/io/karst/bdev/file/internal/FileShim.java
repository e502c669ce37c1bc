package io.karst.bdev.file.internal;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import jnr.ffi.LibraryLoader;

/**
 * The loaded native shim: the jnr-ffi binding, the kernel ABI facts it was compiled with, and memory helpers
 * (addresses of direct buffers, direct buffers over native memory). One instance per bundle (owned by
 * {@link FileModule}); tests and benchmarks load their own.
 */
public final class FileShim {
    /** Library base name: the file is {@code libkarstfile.so}. */
    static final String LIBRARY = "karstfile";
    static final int VERSION = 2;

    final NativeFile lib;
    private final MemoryIO memory;

    // ABI facts (see kf_abi in karstfile.c)
    final int sqeSize;
    final int cqeSize;
    final int sqeOpcode;
    final int sqeFlags;
    final int sqeFd;
    final int sqeOff;
    final int sqeAddr;
    final int sqeLen;
    final int sqeRwFlags;
    final int sqeUserData;
    final int cqeUserData;
    final int cqeRes;
    final int cqeFlags;
    final byte opReadv;
    final byte opWritev;
    final byte opRead;
    final byte opWrite;
    final byte opNop;
    final int enterGetEvents;
    final int cqEventfdDisabled;
    final int rwfDsync;
    final int fallocKeepSize;
    final int fallocPunchHole;
    final int fallocZeroRange;
    final int setupRDisabled;
    final int setupSingleIssuer;
    final int setupDeferTaskrun;

    private final String uringUnavailable;

    private FileShim(NativeFile lib) {
        this.lib = lib;
        this.memory = MemoryIO.getInstance();
        int version = lib.kf_version();
        if (version != VERSION) {
            throw new IllegalStateException("native shim version " + version + ", expected " + VERSION);
        }
        long[] a = new long[32];
        int n = lib.kf_abi(a, a.length);
        if (n < 27) {
            throw new IllegalStateException("native shim reports " + n + " ABI facts");
        }
        sqeSize = (int) a[0];
        cqeSize = (int) a[1];
        sqeOpcode = (int) a[2];
        sqeFlags = (int) a[3];
        sqeFd = (int) a[4];
        sqeOff = (int) a[5];
        sqeAddr = (int) a[6];
        sqeLen = (int) a[7];
        sqeRwFlags = (int) a[8];
        sqeUserData = (int) a[9];
        cqeUserData = (int) a[10];
        cqeRes = (int) a[11];
        cqeFlags = (int) a[12];
        opReadv = (byte) a[13];
        opWritev = (byte) a[14];
        opRead = (byte) a[15];
        opWrite = (byte) a[16];
        opNop = (byte) a[17];
        enterGetEvents = (int) a[18];
        cqEventfdDisabled = (int) a[19];
        rwfDsync = (int) a[20];
        fallocKeepSize = (int) a[21];
        fallocPunchHole = (int) a[22];
        fallocZeroRange = (int) a[23];
        setupRDisabled = (int) a[24];
        setupSingleIssuer = (int) a[25];
        setupDeferTaskrun = (int) a[26];
        uringUnavailable = probeUring();
    }

    /** A copy of {@code other} that reports io_uring as unavailable (how the engine choice is tested). */
    private FileShim(FileShim other, String uringUnavailable) {
        this.lib = other.lib;
        this.memory = other.memory;
        this.sqeSize = other.sqeSize;
        this.cqeSize = other.cqeSize;
        this.sqeOpcode = other.sqeOpcode;
        this.sqeFlags = other.sqeFlags;
        this.sqeFd = other.sqeFd;
        this.sqeOff = other.sqeOff;
        this.sqeAddr = other.sqeAddr;
        this.sqeLen = other.sqeLen;
        this.sqeRwFlags = other.sqeRwFlags;
        this.sqeUserData = other.sqeUserData;
        this.cqeUserData = other.cqeUserData;
        this.cqeRes = other.cqeRes;
        this.cqeFlags = other.cqeFlags;
        this.opReadv = other.opReadv;
        this.opWritev = other.opWritev;
        this.opRead = other.opRead;
        this.opWrite = other.opWrite;
        this.opNop = other.opNop;
        this.enterGetEvents = other.enterGetEvents;
        this.cqEventfdDisabled = other.cqEventfdDisabled;
        this.rwfDsync = other.rwfDsync;
        this.fallocKeepSize = other.fallocKeepSize;
        this.fallocPunchHole = other.fallocPunchHole;
        this.fallocZeroRange = other.fallocZeroRange;
        this.setupRDisabled = other.setupRDisabled;
        this.setupSingleIssuer = other.setupSingleIssuer;
        this.setupDeferTaskrun = other.setupDeferTaskrun;
        this.uringUnavailable = uringUnavailable;
    }

    /** The same shim, but io_uring reported unavailable with {@code reason}: for tests of the fallback. */
    FileShim withoutUring(String reason) {
        return new FileShim(this, reason);
    }

    /** The resource path of the shim for this machine inside the bundle (and on the class path). */
    static String resourcePath() {
        return "native/linux-" + System.getProperty("os.arch").toLowerCase(Locale.ROOT) + "/lib" + LIBRARY + ".so";
    }

    /**
     * Copies the shim out of the bundle (class path) into {@code dir} and loads it. The copy goes through a
     * temporary file and a rename, so a library an earlier bundle revision still has mapped is never overwritten.
     *
     * @throws IOException when there is no shim for this machine or it cannot be copied or loaded
     */
    public static FileShim extractAndLoad(Path dir) throws IOException {
        String resource = resourcePath();
        Files.createDirectories(dir);
        Path target = dir.resolve("lib" + LIBRARY + ".so");
        Path tmp = Files.createTempFile(dir, "lib" + LIBRARY, ".tmp");
        try (InputStream in = FileShim.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no native shim for this machine (" + resource + " is not in the bundle)");
            }
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return loadFrom(dir);
    }

    /** Loads {@code libkarstfile.so} from a directory. */
    public static FileShim loadFrom(Path dir) throws IOException {
        NativeFile lib;
        try {
            lib = LibraryLoader.create(NativeFile.class).failImmediately().search(dir.toString()).load(LIBRARY);
        } catch (LinkageError | RuntimeException e) {
            throw new IOException("cannot load the native shim from " + dir + ": " + e.getMessage(), e);
        }
        try {
            return new FileShim(lib);
        } catch (LinkageError | RuntimeException e) {
            throw new IOException("the native shim in " + dir + " is unusable: " + e.getMessage(), e);
        }
    }

    private String probeUring() {
        long[] info = new long[20];
        long handle = lib.kf_ring_open(4, 0, info);
        if (handle < 0) {
            int errno = (int) -handle;
            return "io_uring cannot be set up: " + strerror(errno) + " (errno " + errno + ")";
        }
        lib.kf_ring_close(handle);
        return null;
    }

    /** Whether io_uring rings can be set up here. */
    public boolean uringAvailable() {
        return uringUnavailable == null;
    }

    /** Why io_uring is unavailable, or {@code null}. */
    public String uringUnavailableReason() {
        return uringUnavailable;
    }

    String strerror(int errno) {
        String s = lib.kf_strerror(errno);
        return s == null ? "errno " + errno : s;
    }

    /** The address of a direct buffer's first byte (index 0, not its position). */
    long address(ByteBuffer direct) {
        return memory.getDirectBufferAddress(direct);
    }

    /** A native-order direct buffer over native memory this shim handed out. */
    ByteBuffer wrap(long address, int size) {
        return memory.newDirectByteBuffer(address, size).order(ByteOrder.nativeOrder());
    }
}
