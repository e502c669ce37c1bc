package io.karst.fuse.internal;

import io.karst.fuse.FuseFrontend;
import io.karst.web.api.DashboardProvider;
import io.karst.web.api.DashboardTable;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The FUSE files on the web dashboard's frontend section. */
@Component(service = DashboardProvider.class)
public final class FilesOnDashboard implements DashboardProvider {
    private final FuseFrontend fuse;

    @Activate
    public FilesOnDashboard(@Reference FuseFrontend fuse) {
        this.fuse = fuse;
    }

    @Override
    public String section() {
        return FRONTENDS;
    }

    @Override
    public DashboardTable table() {
        FuseFrontend.Status s = fuse.status();
        DashboardTable.Builder t = DashboardTable.builder("FUSE files at " + s.mountPoint() + " (" + s.state() + ")")
                .column("File", DashboardTable.Kind.TEXT)
                .column("Size", DashboardTable.Kind.BYTES)
                .column("Read opens", DashboardTable.Kind.NUMBER)
                .column("Write opens", DashboardTable.Kind.NUMBER)
                .column("In flight", DashboardTable.Kind.NUMBER)
                .column("Max in flight", DashboardTable.Kind.NUMBER)
                .column("Errors", DashboardTable.Kind.NUMBER);
        for (FuseFrontend.FileInfo f : fuse.files()) {
            t.row(f.path(), f.sizeBytes(), f.readOpens(), f.writeOpens(), f.inFlight(), f.maxInFlight(), f.errors());
        }
        return t.build();
    }
}
