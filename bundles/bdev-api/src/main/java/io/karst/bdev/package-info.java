/**
 * The Karst block-device (bdev) API.
 *
 * <p>A {@link io.karst.bdev.Bdev} is a block device registered with the {@link io.karst.bdev.BdevRegistry}.
 * Users open it with {@link io.karst.bdev.BdevRegistry#open}, optionally taking a {@link io.karst.bdev.ClaimType claim},
 * get a {@link io.karst.bdev.BdevDescriptor}, and submit I/O on {@link io.karst.bdev.IoChannel}s (one per thread).
 * Completions arrive through {@link io.karst.bdev.IoCallback}s on whichever thread finished the work,
 * possibly before the submitting call returns.
 */
@Export
@Version("0.2.0")
package io.karst.bdev;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
