/**
 * The Java handler SPI of Karst's tcmu-runner host: a {@link io.karst.tcmur.TcmurHandler} is what tcmu-runner's
 * {@code struct tcmur_handler} is to a {@code handler_*.so}. Register one as an OSGi service (a handler bundle
 * dropped into {@code deploy/} does) and its subtype can be used at once: {@code bdev:create tcmur <name>
 * <subtype>/<config>}.
 */
@Export
@Version("0.1.0")
package io.karst.tcmur;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
