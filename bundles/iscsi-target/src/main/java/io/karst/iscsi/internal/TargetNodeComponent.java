package io.karst.iscsi.internal;

import io.karst.iscsi.IscsiTarget;
import io.karst.iscsi.TargetNodeConfig;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/** One configured target node (factory PID {@value TargetNodeConfig#PID}); LUN changes apply live. */
@Component(configurationPid = TargetNodeConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class TargetNodeComponent {
    private final IscsiTargetService target;
    private TargetNodeConfig current;

    @Activate
    public TargetNodeComponent(@Reference IscsiTarget target, Map<String, Object> config) {
        this.target = (IscsiTargetService) target;
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        TargetNodeConfig t;
        try {
            t = TargetNodeConfig.from(config, target.options().nodeBase());
        } catch (IllegalArgumentException e) {
            ConfigComponents.invalid(TargetNodeConfig.PID, config.get("name"), e);
            return;
        }
        if (current != null && !current.name().equalsIgnoreCase(t.name())) {
            remove();
        }
        current = t;
        target.registry().putTarget(t);
    }

    @Deactivate
    void remove() {
        if (current != null) {
            target.registry().removeTarget(current.name());
            current = null;
        }
    }
}
