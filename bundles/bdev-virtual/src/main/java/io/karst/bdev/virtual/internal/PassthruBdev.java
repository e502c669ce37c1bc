package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.bdev.IoChannel;
import io.karst.bdev.spi.BdevIo;
import java.util.UUID;

/** Passes every request to the base bdev unchanged: the template for virtual bdevs, and a claim on the base. */
public final class PassthruBdev extends StackedBdev {
    public PassthruBdev(String name, UUID uuid, String baseName, BdevRegistry registry, Registrar registrar) {
        super(name, uuid, baseName, registry, registrar);
    }

    @Override
    protected String module() {
        return "passthru";
    }

    @Override
    protected void submit(BdevIo io, IoChannel base) {
        forward(io, base);
    }
}
