/**
 * The JSON-RPC method SPI. A capability bundle registers one {@link io.karst.rpc.RpcMethod} service per method
 * (whiteboard) and, when it has configuration, one {@link io.karst.rpc.RpcConfigSource} per subsystem; the RPC
 * server imports no capability. Parameters and results are plain Java values (maps, lists, strings, numbers,
 * booleans, null), so capability bundles need no JSON library.
 */
@Export
@Version("0.1.0")
package io.karst.rpc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
