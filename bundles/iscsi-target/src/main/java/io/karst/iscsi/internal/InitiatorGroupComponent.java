package io.karst.iscsi.internal;

import io.karst.iscsi.InitiatorGroupConfig;
import io.karst.iscsi.IscsiTarget;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

/** One configured initiator group (factory PID {@value InitiatorGroupConfig#PID}). */
@Component(configurationPid = InitiatorGroupConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {})
public final class InitiatorGroupComponent {
    private final IscsiTargetService target;
    private InitiatorGroupConfig current;

    @Activate
    public InitiatorGroupComponent(@Reference IscsiTarget target, Map<String, Object> config) {
        this.target = (IscsiTargetService) target;
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        InitiatorGroupConfig ig;
        try {
            ig = InitiatorGroupConfig.from(config);
        } catch (IllegalArgumentException e) {
            ConfigComponents.invalid(InitiatorGroupConfig.PID, config.get("tag"), e);
            return;
        }
        if (current != null && current.tag() != ig.tag()) {
            remove();
        }
        current = ig;
        target.registry().putInitiatorGroup(ig);
    }

    @Deactivate
    void remove() {
        if (current != null) {
            target.registry().removeInitiatorGroup(current.tag());
            current = null;
        }
    }
}
