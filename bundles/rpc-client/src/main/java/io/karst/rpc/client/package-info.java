/**
 * Karst's JSON-RPC client: {@link io.karst.rpc.client.RpcClient} for programs and tests,
 * {@link io.karst.rpc.client.RpcCli} for {@code bin/karst rpc}.
 */
@Export
@Version("0.1.0")
package io.karst.rpc.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
