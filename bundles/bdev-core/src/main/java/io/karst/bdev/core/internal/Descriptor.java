package io.karst.bdev.core.internal;

import io.karst.bdev.Bdev;
import io.karst.bdev.BdevDescriptor;
import io.karst.bdev.BdevEvent;
import io.karst.bdev.BdevException;
import io.karst.bdev.ClaimType;
import io.karst.bdev.IoChannel;
import io.karst.bdev.OpenOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** An open bdev. Closing is idempotent and releases the claim exactly once, whatever threads race to close. */
final class Descriptor implements BdevDescriptor, ClaimRules.Open {
    private static final System.Logger LOG = System.getLogger(Descriptor.class.getName());

    private final RegisteredBdev bdev;
    private final OpenOptions options;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Channel> channels = new CopyOnWriteArrayList<>();

    Descriptor(RegisteredBdev bdev, OpenOptions options) {
        this.bdev = bdev;
        this.options = options;
    }

    @Override
    public Bdev bdev() {
        return bdev;
    }

    @Override
    public boolean writable() {
        return options.writable();
    }

    @Override
    public ClaimType claim() {
        return options.claim();
    }

    @Override
    public String sharedKey() {
        return options.sharedKey();
    }

    @Override
    public String holder() {
        return options.holder();
    }

    @Override
    public IoChannel openChannel() {
        if (closed.get()) {
            throw new BdevException(BdevException.Reason.INVALID, "descriptor of " + bdev.name() + " is closed");
        }
        if (bdev.removing) {
            throw new BdevException(BdevException.Reason.REMOVED, "bdev " + bdev.name() + " is being removed");
        }
        Channel ch = bdev.newChannel(this);
        channels.add(ch);
        if (closed.get()) { // closed concurrently: do not leave an open channel behind
            ch.close();
        }
        return ch;
    }

    void channelClosed(Channel ch) {
        channels.remove(ch);
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Channel ch : channels) {
            ch.close();
        }
        bdev.descriptorClosed(this);
    }

    void deliver(BdevEvent event) {
        try {
            options.listener().onEvent(event, bdev, this);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "bdev " + bdev.name() + ": " + holder() + " failed handling "
                    + event, e);
        }
    }

    @Override
    public String toString() {
        return "descriptor of " + bdev.name() + " held by " + holder();
    }
}
