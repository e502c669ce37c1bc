/**
 * The module SPI: what a bdev module implements and registers.
 *
 * <p>A module registers each of its devices as a {@link io.karst.bdev.spi.BlockDevice} OSGi service (whiteboard);
 * the bdev core picks it up, wraps it with claims, descriptors, validation and statistics, and unregistering the
 * service hot-removes the bdev. A module also registers one {@link io.karst.bdev.spi.BdevType} per kind of bdev
 * users can create; each created bdev is a factory configuration of the type's PID.
 */
@Export
@Version("0.2.0")
package io.karst.bdev.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
