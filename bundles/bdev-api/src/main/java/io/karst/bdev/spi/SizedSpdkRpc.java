package io.karst.bdev.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The SPDK mapping of bdev types made from a size and a block size (SPDK's {@code num_blocks} and
 * {@code block_size}): malloc and null. Metadata and protection-information parameters are accepted at SPDK's
 * defaults only.
 */
public final class SizedSpdkRpc implements SpdkRpcMapping {
    /** {@code bdev_malloc_create}: an unnamed call gets Malloc0, Malloc1, ... as in SPDK. */
    public static final SizedSpdkRpc MALLOC = new SizedSpdkRpc("bdev_malloc_create", "bdev_malloc_delete", "Malloc",
            Set.of("name", "block_size", "num_blocks", "uuid", "optimal_io_boundary", "md_size", "md_interleave",
                    "dif_type", "dif_is_head_of_md", "physical_block_size", "dif_pi_format", "numa_id"));
    /** {@code bdev_null_create}: a name is required. */
    public static final SizedSpdkRpc NULL = new SizedSpdkRpc("bdev_null_create", "bdev_null_delete", null,
            Set.of("name", "block_size", "num_blocks", "uuid", "physical_block_size", "md_size", "dif_type",
                    "dif_pi_format", "dif_is_head_of_md", "preferred_write_granularity", "preferred_write_alignment",
                    "optimal_write_size", "preferred_unmap_granularity", "preferred_unmap_alignment"));

    private final String create;
    private final String delete;
    private final String prefix;
    private final Set<String> parameters;

    private SizedSpdkRpc(String create, String delete, String prefix, Set<String> parameters) {
        this.create = create;
        this.delete = delete;
        this.prefix = prefix;
        this.parameters = parameters;
    }

    @Override
    public String createMethod() {
        return create;
    }

    @Override
    public String deleteMethod() {
        return delete;
    }

    @Override
    public Set<String> createParameters() {
        return parameters;
    }

    @Override
    public String generatedNamePrefix() {
        return prefix;
    }

    @Override
    public Map<String, String> toParameters(Map<String, Object> p) {
        long blockSize = SpdkRpcMapping.integer(p, BdevType.BLOCK_SIZE, true, 0);
        long blocks = SpdkRpcMapping.integer(p, "num_blocks", true, 0);
        BdevProperties.requireBlockSize(blockSize);
        if (blocks <= 0 || blocks > Long.MAX_VALUE / blockSize) {
            throw new IllegalArgumentException("num_blocks must be positive and the size must fit 64 bits");
        }
        for (String zero : new String[]{"md_size", "dif_type", "optimal_io_boundary", "dif_pi_format"}) {
            SpdkRpcMapping.unsupportedUnless(p, zero, 0L);
        }
        SpdkRpcMapping.unsupportedUnless(p, "md_interleave", false);
        SpdkRpcMapping.unsupportedUnless(p, "dif_is_head_of_md", false);
        Object physical = p.get("physical_block_size");
        if (physical != null && SpdkRpcMapping.integer(p, "physical_block_size", false, 0) != blockSize
                && SpdkRpcMapping.integer(p, "physical_block_size", false, 0) != 0) {
            throw new IllegalArgumentException("physical_block_size other than block_size is not supported");
        }
        Map<String, String> out = new LinkedHashMap<>();
        out.put(BdevType.SIZE, Long.toString(blocks * blockSize));
        out.put(BdevType.BLOCK_SIZE, Long.toString(blockSize));
        String uuid = SpdkRpcMapping.string(p, BdevType.UUID, false);
        if (uuid != null) {
            out.put(BdevType.UUID, uuid);
        }
        return out;
    }

    @Override
    public Map<String, Object> toSpdkParameters(String name, Map<String, String> configuration) {
        long blockSize = Long.parseLong(configuration.getOrDefault(BdevType.BLOCK_SIZE, "512"));
        long size = Sizes.parse(configuration.get(BdevType.SIZE));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("num_blocks", size / blockSize);
        out.put("block_size", blockSize);
        if (configuration.get(BdevType.UUID) != null) {
            out.put("uuid", configuration.get(BdevType.UUID));
        }
        return out;
    }
}
