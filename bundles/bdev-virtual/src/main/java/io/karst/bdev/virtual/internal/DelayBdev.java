package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Adds latency to the base bdev's completions, per I/O type: an average, and a 99th-percentile value that one
 * request in a hundred gets (SPDK's delay bdev). Latencies can change while the bdev is in use.
 */
public final class DelayBdev extends StackedBdev {
    /** Latencies in microseconds. */
    public record Latencies(long readUs, long p99ReadUs, long writeUs, long p99WriteUs, long otherUs) {
        long pick(IoType type) {
            boolean tail = ThreadLocalRandom.current().nextInt(100) == 0;
            return switch (type) {
                case READ, COMPARE -> tail ? p99ReadUs : readUs;
                case WRITE, COMPARE_AND_WRITE -> tail ? p99WriteUs : writeUs;
                default -> otherUs;
            };
        }
    }

    private volatile Latencies latencies;
    private final ScheduledThreadPoolExecutor timer;

    public DelayBdev(String name, UUID uuid, String baseName, Latencies latencies, BdevRegistry registry,
                     Registrar registrar) {
        super(name, uuid, baseName, registry, registrar);
        this.latencies = latencies;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "karst-delay-" + name);
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    public void setLatencies(Latencies value) {
        latencies = value;
    }

    public Latencies latencies() {
        return latencies;
    }

    @Override
    protected String module() {
        return "delay";
    }

    @Override
    protected void submit(BdevIo io, IoChannel base) {
        long delayUs = latencies.pick(io.type());
        if (delayUs <= 0) {
            forward(io, base);
            return;
        }
        base.submit(io.type(), io.offsetBlocks(), io.numBlocks(), io.iov(), io.writeIov(), io.flags(),
                status -> schedule(io, status, delayUs));
    }

    private void schedule(BdevIo io, IoStatus status, long delayUs) {
        ScheduledExecutorService t = timer;
        try {
            t.schedule(() -> io.complete(status), delayUs, TimeUnit.MICROSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            io.complete(status);
        }
    }

    @Override
    public Map<String, String> driverInfo() {
        Map<String, String> m = super.driverInfo();
        Latencies l = latencies;
        m.put("avg_read_latency_us", Long.toString(l.readUs()));
        m.put("p99_read_latency_us", Long.toString(l.p99ReadUs()));
        m.put("avg_write_latency_us", Long.toString(l.writeUs()));
        m.put("p99_write_latency_us", Long.toString(l.p99WriteUs()));
        m.put("other_latency_us", Long.toString(l.otherUs()));
        return m;
    }

    /** Delivers the delayed completions still waiting, then stops the timer. */
    public void shutdown() {
        for (Runnable pending : timer.shutdownNow()) {
            pending.run();
        }
    }
}
