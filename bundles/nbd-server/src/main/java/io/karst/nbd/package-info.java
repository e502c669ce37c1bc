/**
 * The NBD server: exports of bdevs over the Network Block Device protocol, and the service through which shell
 * commands, JMX and JSON-RPC manage them.
 */
@Export
@Version("1.0.0")
package io.karst.nbd;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
