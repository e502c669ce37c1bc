/**
 * The dashboard's whiteboard. A capability bundle registers a {@link io.karst.web.api.DashboardProvider} service
 * for each table it wants on the dashboard (frontend sessions, replication resources, ...); the dashboard, when
 * installed, polls the providers it finds and shows their tables in the provider's section. Nothing here depends
 * on HTTP or JSON: values are plain Java values.
 */
@Export
@Version("0.1.0")
package io.karst.web.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
