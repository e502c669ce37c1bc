/**
 * The Karst iSCSI target: configuration model after SPDK's (portal groups, initiator groups, auth groups, target
 * nodes with LUN maps), the {@link io.karst.iscsi.IscsiTarget} service that shell commands, MBeans and JSON-RPC
 * methods use, and views of sessions and connections.
 */
@Export
@Version("0.1.0")
package io.karst.iscsi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
