package io.karst.nbd.management;

import io.karst.nbd.NbdConnectionInfo;
import io.karst.nbd.NbdServer;
import io.karst.web.api.DashboardProvider;
import io.karst.web.api.DashboardTable;
import io.karst.web.api.DashboardTable.Kind;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The NBD connections on the web dashboard (section frontends). */
@Component(service = DashboardProvider.class)
public final class NbdDashboard implements DashboardProvider {
    private final NbdServer server;

    @Activate
    public NbdDashboard(@Reference NbdServer server) {
        this.server = server;
    }

    @Override
    public String section() {
        return FRONTENDS;
    }

    @Override
    public DashboardTable table() {
        DashboardTable.Builder b = DashboardTable.builder("NBD connections (" + server.describe() + ")")
                .column("Client", Kind.TEXT)
                .column("Export", Kind.TEXT)
                .column("State", Kind.STATE)
                .column("TLS", Kind.TEXT)
                .column("Requests", Kind.NUMBER)
                .column("Read", Kind.BYTES)
                .column("Written", Kind.BYTES)
                .column("Errors", Kind.NUMBER)
                .column("In flight", Kind.NUMBER);
        for (NbdConnectionInfo c : server.connections()) {
            b.row(c.remote(), c.export().isEmpty() ? "-" : c.export(), c.phase(), c.tls() ? "yes" : "no",
                    c.requests(), c.readBytes(), c.writtenBytes(), c.errors(), c.outstanding());
        }
        return b.build();
    }
}
