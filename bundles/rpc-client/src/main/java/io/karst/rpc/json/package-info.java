/**
 * JSON on the wire for Karst's JSON-RPC: plain Java values ({@link io.karst.rpc.json.JsonValues}) and the framing of
 * a byte stream into values ({@link io.karst.rpc.json.JsonStreamDecoder}), on jackson-core's streaming API.
 */
@Export
@Version("0.1.0")
package io.karst.rpc.json;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
