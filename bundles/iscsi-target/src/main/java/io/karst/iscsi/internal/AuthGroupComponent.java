package io.karst.iscsi.internal;

import io.karst.iscsi.AuthGroupConfig;
import io.karst.iscsi.IscsiTarget;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/** One configured CHAP auth group (factory PID {@value AuthGroupConfig#PID}). */
@Component(configurationPid = AuthGroupConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {})
public final class AuthGroupComponent {
    private final IscsiTargetService target;
    private AuthGroupConfig current;

    @Activate
    public AuthGroupComponent(@Reference IscsiTarget target, Map<String, Object> config) {
        this.target = (IscsiTargetService) target;
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        AuthGroupConfig ag;
        try {
            ag = AuthGroupConfig.from(config);
        } catch (IllegalArgumentException e) {
            ConfigComponents.invalid(AuthGroupConfig.PID, config.get("tag"), e);
            return;
        }
        if (current != null && current.tag() != ag.tag()) {
            remove();
        }
        current = ag;
        target.registry().putAuthGroup(ag);
    }

    @Deactivate
    void remove() {
        if (current != null) {
            target.registry().removeAuthGroup(current.tag());
            current = null;
        }
    }
}
