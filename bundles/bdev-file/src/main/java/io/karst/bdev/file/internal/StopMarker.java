package io.karst.bdev.file.internal;

import io.karst.bdev.IoStatus;
import io.karst.bdev.IoType;
import io.karst.bdev.spi.SimpleBdevIo;

/** A request that is no request: put into a worker's queue to stop the worker. Each owner makes its own. */
final class StopMarker extends SimpleBdevIo {
    StopMarker() {
        super(IoType.RESET, 0, 0, 512, null, 0);
    }

    @Override
    public void complete(IoStatus status) {
        // nobody waits for a marker
    }
}
