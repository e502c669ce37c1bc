/**
 * The status trees' whiteboard. A capability bundle registers a {@link io.karst.status.StatusFileProvider} service
 * to add files to the {@code proc/} tree (human-readable status, one file per subject, e.g. a replication status in
 * DRBD's layout) or the {@code sys/} tree (one value per file, e.g. {@code block/r0/role}). Whatever serves the trees
 * (the FUSE frontend's mount today) finds the providers and shows their files; nothing here depends on it.
 */
@Export
@Version("0.1.0")
package io.karst.status;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
