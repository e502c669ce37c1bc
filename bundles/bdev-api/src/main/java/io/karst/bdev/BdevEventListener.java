package io.karst.bdev;

/** Receives {@link BdevEvent}s for an open descriptor. Called on an arbitrary thread; must not block long. */
@FunctionalInterface
public interface BdevEventListener {
    void onEvent(BdevEvent event, Bdev bdev, BdevDescriptor descriptor);

    BdevEventListener IGNORE = (e, b, d) -> { };
}
