/**
 * The FUSE frontend's service: bdevs as files under a mount point, with status trees. Shell commands, the MBean and
 * the dashboard table are doors to {@link io.karst.fuse.FuseFrontend}.
 */
@Export
@Version("0.1.0")
package io.karst.fuse;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
