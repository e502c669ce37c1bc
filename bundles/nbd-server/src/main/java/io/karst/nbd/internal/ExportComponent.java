package io.karst.nbd.internal;

import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdServer;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** One configured export (a factory configuration of {@value NbdServer#EXPORT_FACTORY_PID}). */
@Component(configurationPid = NbdServer.EXPORT_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class ExportComponent {
    private static final System.Logger LOG = System.getLogger(ExportComponent.class.getName());
    private final ExportTable table;
    private final String pid;
    private boolean added;

    @Activate
    public ExportComponent(@Reference ExportTable table, Map<String, Object> config) {
        this.table = table;
        this.pid = String.valueOf(config.get("service.pid"));
        try {
            table.add(pid, NbdExport.fromProperties(config));
            added = true;
        } catch (IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "nbd export configuration {0} is not used: {1}", pid, e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        if (added) {
            table.remove(pid);
        }
    }
}
