package io.karst.iscsi.internal;

import io.karst.iscsi.ConnectionInfo;
import io.karst.iscsi.IscsiTarget;
import io.karst.web.api.DashboardProvider;
import io.karst.web.api.DashboardTable;
import io.karst.web.api.DashboardTable.Kind;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The iSCSI sessions and connections on the web dashboard. */
@Component(service = DashboardProvider.class)
public final class IscsiDashboard implements DashboardProvider {
    private final IscsiTarget iscsi;

    @Activate
    public IscsiDashboard(@Reference IscsiTarget iscsi) {
        this.iscsi = iscsi;
    }

    @Override
    public String section() {
        return FRONTENDS;
    }

    @Override
    public DashboardTable table() {
        DashboardTable.Builder b = DashboardTable.builder("iSCSI connections")
                .column("Initiator", Kind.TEXT).column("Address", Kind.TEXT).column("Target", Kind.TEXT)
                .column("Portal", Kind.TEXT).column("TSIH", Kind.NUMBER).column("State", Kind.STATE)
                .column("CHAP user", Kind.TEXT).column("Commands", Kind.NUMBER).column("Outstanding", Kind.NUMBER);
        for (ConnectionInfo c : iscsi.connections()) {
            b.row(c.initiatorName(), c.initiatorAddress(), c.discovery() ? "(discovery)" : c.targetName(),
                    c.portal(), c.tsih(), c.state(), c.chapUser(), c.commands(), c.outstanding());
        }
        return b.build();
    }
}
