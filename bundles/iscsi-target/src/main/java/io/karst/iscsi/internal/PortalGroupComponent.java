package io.karst.iscsi.internal;

import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.PortalGroupConfig;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/** One configured portal group (factory PID {@value PortalGroupConfig#PID}): binds its portals. */
@Component(configurationPid = PortalGroupConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class PortalGroupComponent {
    private final IscsiTargetService target;
    private PortalGroupConfig current;

    @Activate
    public PortalGroupComponent(@Reference IscsiTarget target, Map<String, Object> config) {
        this.target = (IscsiTargetService) target;
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        PortalGroupConfig pg;
        try {
            pg = PortalGroupConfig.from(config);
        } catch (IllegalArgumentException e) {
            ConfigComponents.invalid(PortalGroupConfig.PID, config.get("tag"), e);
            return;
        }
        if (current != null && current.tag() != pg.tag()) {
            remove();
        }
        current = pg;
        target.registry().putPortalGroup(pg);
        target.server().bind(pg);
    }

    @Deactivate
    void remove() {
        if (current != null) {
            target.server().unbind(current.tag());
            target.registry().removePortalGroup(current.tag());
            current = null;
        }
    }
}
