package io.karst.bdev.spi;

import io.karst.bdev.IoType;
import io.karst.bdev.ScsiOpcodeSet;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/** The fixed facts of a device, given by its module when it registers. Build with {@link #builder}. */
public final class BdevProperties {
    private final String name;
    private final Set<String> aliases;
    private final UUID uuid;
    private final String module;
    private final String productName;
    private final int blockSize;
    private final long blockCount;
    private final int requiredAlignment;
    private final int optimalIoBoundary;
    private final boolean writeCache;
    private final boolean unmapReadsZeroes;
    private final boolean readOnly;
    private final boolean nativeFua;
    private final Set<IoType> ioTypes;
    private final ScsiOpcodeSet scsiPassthrough;

    private BdevProperties(Builder b) {
        this.name = requireName(b.name);
        this.aliases = Set.copyOf(b.aliases);
        this.uuid = b.uuid == null ? UUID.randomUUID() : b.uuid;
        this.module = Objects.requireNonNull(b.module, "module");
        this.productName = b.productName == null ? b.module : b.productName;
        this.blockSize = requireBlockSize(b.blockSize);
        if (b.blockCount < 0) {
            throw new IllegalArgumentException("block count must not be negative");
        }
        this.blockCount = b.blockCount;
        if (b.requiredAlignment < 1 || Integer.bitCount(b.requiredAlignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two");
        }
        this.requiredAlignment = b.requiredAlignment;
        if (b.optimalIoBoundary < 0) {
            throw new IllegalArgumentException("optimal I/O boundary must not be negative");
        }
        this.optimalIoBoundary = b.optimalIoBoundary;
        this.writeCache = b.writeCache;
        this.unmapReadsZeroes = b.unmapReadsZeroes;
        this.readOnly = b.readOnly;
        this.nativeFua = b.nativeFua;
        // pass-through opcodes and the SCSI_PASSTHROUGH type go together: either implies the other
        ScsiOpcodeSet scsi = b.scsiPassthrough == null ? ScsiOpcodeSet.NONE : b.scsiPassthrough;
        Set<IoType> types = EnumSet.noneOf(IoType.class);
        types.addAll(b.ioTypes);
        if (!scsi.isEmpty()) {
            types.add(IoType.SCSI_PASSTHROUGH);
        } else if (types.contains(IoType.SCSI_PASSTHROUGH)) {
            scsi = ScsiOpcodeSet.ALL;
        }
        this.scsiPassthrough = scsi;
        this.ioTypes = types.isEmpty() ? Set.of() : Set.copyOf(types);
    }

    /** Checks a block size: a power of two from 512 to 65536. */
    public static int requireBlockSize(long blockSize) {
        if (blockSize < 512 || blockSize > 65536 || Long.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two from 512 to 65536, not "
                    + blockSize);
        }
        return (int) blockSize;
    }

    /** Checks a size against a block size and returns the number of blocks. */
    public static long requireBlocks(long sizeBytes, int blockSize) {
        if (sizeBytes <= 0 || sizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("size must be a positive multiple of the block size (" + blockSize
                    + "), not " + sizeBytes);
        }
        return sizeBytes / blockSize;
    }

    /** Checks a bdev name: 1..255 printable characters, no whitespace, no '/', not starting with '-'. */
    public static String requireName(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new IllegalArgumentException("a bdev name must have 1 to 255 characters");
        }
        if (name.charAt(0) == '-') {
            throw new IllegalArgumentException("a bdev name must not start with '-': " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c == '/' || c == '\\' || c == '"' || c == '\'' || c >= 0x7f) {
                throw new IllegalArgumentException("a bdev name must be printable ASCII without spaces, quotes or"
                        + " slashes: '" + name + "'");
            }
        }
        return name;
    }

    public static Builder builder(String name, String module) {
        return new Builder(name, module);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name, module).aliases(aliases).uuid(uuid).productName(productName)
                .blockSize(blockSize).blockCount(blockCount).requiredAlignment(requiredAlignment)
                .optimalIoBoundary(optimalIoBoundary).writeCache(writeCache).unmapReadsZeroes(unmapReadsZeroes)
                .readOnly(readOnly).nativeFua(nativeFua).scsiPassthrough(scsiPassthrough);
        b.ioTypes.addAll(ioTypes);
        return b;
    }

    public String name() { return name; }
    public Set<String> aliases() { return aliases; }
    public UUID uuid() { return uuid; }
    public String module() { return module; }
    public String productName() { return productName; }
    public int blockSize() { return blockSize; }
    public long blockCount() { return blockCount; }
    public int requiredAlignment() { return requiredAlignment; }
    public int optimalIoBoundary() { return optimalIoBoundary; }
    public boolean writeCache() { return writeCache; }
    public boolean unmapReadsZeroes() { return unmapReadsZeroes; }
    public boolean readOnly() { return readOnly; }
    /** Whether the module honours {@link io.karst.bdev.IoChannel#FUA} itself; otherwise the core adds a flush. */
    public boolean nativeFua() { return nativeFua; }
    public Set<IoType> ioTypes() { return ioTypes; }
    /** The SCSI commands the device wants passed through ({@link io.karst.bdev.Bdev#scsiPassthrough()}). */
    public ScsiOpcodeSet scsiPassthrough() { return scsiPassthrough; }

    /** Builds {@link BdevProperties}. */
    public static final class Builder {
        private final String name;
        private final String module;
        private final Set<String> aliases = new LinkedHashSet<>();
        private final Set<IoType> ioTypes = EnumSet.noneOf(IoType.class);
        private UUID uuid;
        private String productName;
        private int blockSize = 512;
        private long blockCount;
        private int requiredAlignment = 1;
        private int optimalIoBoundary;
        private boolean writeCache;
        private boolean unmapReadsZeroes;
        private boolean readOnly;
        private boolean nativeFua;
        private ScsiOpcodeSet scsiPassthrough = ScsiOpcodeSet.NONE;

        private Builder(String name, String module) {
            this.name = name;
            this.module = module;
        }

        public Builder aliases(Collection<String> values) {
            aliases.clear();
            for (String a : values) {
                aliases.add(requireName(a));
            }
            return this;
        }

        public Builder uuid(UUID value) { this.uuid = value; return this; }
        public Builder productName(String value) { this.productName = value; return this; }
        public Builder blockSize(int value) { this.blockSize = value; return this; }
        public Builder blockCount(long value) { this.blockCount = value; return this; }
        public Builder requiredAlignment(int value) { this.requiredAlignment = value; return this; }
        public Builder optimalIoBoundary(int value) { this.optimalIoBoundary = value; return this; }
        public Builder writeCache(boolean value) { this.writeCache = value; return this; }
        public Builder unmapReadsZeroes(boolean value) { this.unmapReadsZeroes = value; return this; }
        public Builder readOnly(boolean value) { this.readOnly = value; return this; }
        public Builder nativeFua(boolean value) { this.nativeFua = value; return this; }
        /** The SCSI commands to pass through; a non-empty set adds {@link IoType#SCSI_PASSTHROUGH} to the types. */
        public Builder scsiPassthrough(ScsiOpcodeSet value) { this.scsiPassthrough = value; return this; }

        public Builder ioTypes(Collection<IoType> values) {
            ioTypes.clear();
            ioTypes.addAll(values);
            return this;
        }

        public Builder ioTypes(IoType first, IoType... rest) {
            ioTypes.clear();
            ioTypes.add(first);
            ioTypes.addAll(java.util.Arrays.asList(rest));
            return this;
        }

        public BdevProperties build() {
            return new BdevProperties(this);
        }
    }
}
