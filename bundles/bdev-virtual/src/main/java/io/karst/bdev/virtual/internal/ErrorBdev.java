package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoChannel;
import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.BdevIo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Passes requests to the base bdev, except those an operator or a test chose to fail: per I/O type, a number of
 * requests get an error status, corrupted data, or are held without completion until a reset or removal.
 */
public final class ErrorBdev extends StackedBdev {
    /** What happens to a request picked for injection. */
    public enum Injection {
        /** Completes with {@link IoStatus#FAILED} without reaching the base. */
        FAILURE(IoStatus.FAILED),
        /** Completes with {@link IoStatus#NO_MEMORY}. */
        NOMEM(IoStatus.NO_MEMORY),
        /** Completes with {@link IoStatus#NO_SPACE}. */
        NOSPACE(IoStatus.NO_SPACE),
        /** Completes with {@link IoStatus#MEDIUM_ERROR}. */
        MEDIUM(IoStatus.MEDIUM_ERROR),
        /** Reaches the base; read data (or the data written) has its first byte flipped. */
        CORRUPT(null),
        /** Never completes until a RESET or the bdev's removal (then ABORTED): for timeout and abort tests. */
        PENDING(null);

        final IoStatus status;

        Injection(IoStatus status) {
            this.status = status;
        }
    }

    private record Rule(Injection injection, int remaining, int corruptOffset, byte corruptValue) {
    }

    private final Map<IoType, Rule> rules = new EnumMap<>(IoType.class);
    private final ConcurrentLinkedQueue<BdevIo> pending = new ConcurrentLinkedQueue<>();
    private volatile boolean removing;

    public ErrorBdev(String name, UUID uuid, String baseName, BdevRegistry registry, Registrar registrar) {
        super(name, uuid, baseName, registry, registrar);
    }

    @Override
    protected String module() {
        return "error";
    }

    /**
     * Injects {@code injection} into the next {@code count} requests of the given type ({@code null}: every type).
     * A count of 0 clears the injection.
     */
    public void inject(IoType type, Injection injection, int count) {
        inject(type, injection, count, 0, (byte) 0xff);
    }

    /**
     * As {@link #inject(IoType, Injection, int)}; a {@link Injection#CORRUPT} injection XORs the byte at
     * {@code corruptOffset} of the data with {@code corruptValue}.
     */
    public synchronized void inject(IoType type, Injection injection, int count, int corruptOffset,
                                    byte corruptValue) {
        for (IoType t : type == null ? IoType.values() : new IoType[]{type}) {
            if (count <= 0) {
                rules.remove(t);
            } else {
                rules.put(t, new Rule(injection, count, corruptOffset, corruptValue));
            }
        }
    }

    public synchronized void clear() {
        rules.clear();
    }

    /** The active injections, e.g. "read: failure x3". */
    public synchronized List<String> injections() {
        List<String> out = new ArrayList<>();
        rules.forEach((t, r) -> out.add(t.spdkName() + ": " + r.injection().name().toLowerCase(java.util.Locale.ROOT)
                + " x" + r.remaining()));
        return out;
    }

    private synchronized Rule take(IoType type) {
        Rule r = rules.get(type);
        if (r == null) {
            return null;
        }
        if (r.remaining() <= 1) {
            rules.remove(type);
        } else {
            rules.put(type, new Rule(r.injection(), r.remaining() - 1, r.corruptOffset(), r.corruptValue()));
        }
        return r;
    }

    @Override
    protected void submit(BdevIo io, IoChannel base) {
        if (io.type() == IoType.RESET) {
            abortPending();
            forward(io, base);
            return;
        }
        Rule rule = rules.isEmpty() ? null : take(io.type());
        Injection inj = rule == null ? null : rule.injection();
        if (inj == null) {
            forward(io, base);
        } else if (inj.status != null) {
            io.complete(inj.status);
        } else if (inj == Injection.PENDING) {
            pending.add(io);
            if (removing) { // raced with removal: do not leave it behind
                abortPending();
            }
        } else if (io.type() == IoType.READ) {
            base.submit(io.type(), io.offsetBlocks(), io.numBlocks(), io.iov(), null, io.flags(), status -> {
                if (status == IoStatus.SUCCESS) {
                    corrupt(io.iov(), rule);
                }
                io.complete(status);
            });
        } else if (io.type() == IoType.WRITE) {
            ByteBuffer[] copy = corruptedCopy(io.iov(), rule);
            base.submit(io.type(), io.offsetBlocks(), io.numBlocks(), copy, null, io.flags(), io);
        } else {
            forward(io, base);
        }
    }

    /** XORs the byte at the rule's offset into the data (wrapping within the request) with its value. */
    private static void corrupt(ByteBuffer[] iov, Rule rule) {
        long total = io.karst.bdev.spi.Iov.length(iov);
        long at = Math.floorMod(rule.corruptOffset(), total);
        for (ByteBuffer b : iov) {
            if (at < b.remaining()) {
                int i = b.position() + (int) at;
                b.put(i, (byte) (b.get(i) ^ rule.corruptValue()));
                return;
            }
            at -= b.remaining();
        }
    }

    private static ByteBuffer[] corruptedCopy(ByteBuffer[] iov, Rule rule) {
        ByteBuffer[] copy = new ByteBuffer[iov.length];
        for (int i = 0; i < iov.length; i++) {
            ByteBuffer c = ByteBuffer.allocateDirect(iov[i].remaining());
            c.put(0, iov[i], iov[i].position(), iov[i].remaining());
            copy[i] = c;
        }
        corrupt(copy, rule);
        return copy;
    }

    private void abortPending() {
        BdevIo io;
        while ((io = pending.poll()) != null) {
            io.complete(IoStatus.ABORTED);
        }
    }

    @Override
    protected void beforeRemoval() {
        removing = true;
        abortPending();
    }

    @Override
    public void attach(io.karst.bdev.spi.BdevHost host) {
        removing = false;
        super.attach(host);
    }

    @Override
    public Map<String, String> driverInfo() {
        Map<String, String> m = super.driverInfo();
        List<String> inj = injections();
        m.put("injections", inj.isEmpty() ? "none" : String.join(", ", inj));
        m.put("pending", Integer.toString(pending.size()));
        return m;
    }
}
