package io.karst.web.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One table of live state on the dashboard, offered by a capability bundle as an OSGi service.
 *
 * <p>A frontend registers one for its sessions (section {@link #FRONTENDS}), the replication engine one for its
 * resources (section {@link #REPLICATION}). Other sections are shown under their own name. While a dashboard page
 * is open, {@link #table()} is called about once a second from an HTTP thread: it must return quickly from state
 * the capability already has, without I/O or waiting on locks held during I/O.
 */
@ConsumerType
public interface DashboardProvider {
    /** Section of the frontends' sessions (iSCSI, NBD, FUSE, ...). */
    String FRONTENDS = "frontends";

    /** Section of the replication resources (state, peers, resync progress). */
    String REPLICATION = "replication";

    /** The section the table belongs to: {@link #FRONTENDS}, {@link #REPLICATION} or a short name of its own. */
    String section();

    /** The current state, as a table. */
    DashboardTable table();
}
