package io.karst.bdev.core.management;

/** The bdev layer over JMX: {@code io.karst:type=bdevs}. Same operations as the {@code bdev:*} commands. */
public interface BdevsMBean {
    String[] getBdevs();

    /** Creatable types with their usage. */
    String[] getTypes();

    /** Creates a bdev: arguments are positional values or key=value, as for {@code bdev:create}. */
    String create(String type, String name, String[] arguments);

    void delete(String name);

    void resize(String name, String size);

    /**
     * Runs {@code bdev:perf} on a bdev and returns its result line: workload read, write, randread, randwrite,
     * randrw or verify; I/O size e.g. "4K".
     */
    String perf(String name, String workload, int queueDepth, String ioSize, double seconds, int threads);
}
