package io.karst.bdev.spi;

/** The core's side of a registered device, handed to {@link BlockDevice#attach}. */
public interface BdevHost {
    /**
     * Reports a new block count. When growing, call it after the new blocks are usable; when shrinking, call it
     * before the blocks go away, so the core stops admitting I/O to them first. Holders get a RESIZE event.
     */
    void resized(long newBlockCount);
}
