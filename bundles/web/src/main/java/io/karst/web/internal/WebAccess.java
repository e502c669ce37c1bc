package io.karst.web.internal;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The dashboard's access rules from the configuration {@code io.karst.web}. A component of its own, apart from the
 * servlet context: a configuration change must not change the context's service properties, since the whiteboard
 * answers that by taking the context and all its servlets down and up again.
 */
@Component(service = WebAccess.class, configurationPid = WebAccess.PID)
@Designate(ocd = WebConfig.class)
public final class WebAccess {
    static final String PID = "io.karst.web";

    private volatile AccessPolicy policy;

    @Activate
    public WebAccess(WebConfig config) {
        modified(config);
    }

    @Modified
    void modified(WebConfig config) {
        policy = new AccessPolicy(config.allow_remote(), config.metrics_authentication(), roles(config.roles()),
                new JaasLogin(config.realm()));
    }

    AccessPolicy policy() {
        return policy;
    }

    /** The roles, whether given as a list or as one comma-separated string (as a .cfg file gives them). */
    static Set<String> roles(String[] values) {
        return Arrays.stream(values).flatMap(v -> Arrays.stream(v.split(","))).map(String::strip)
                .filter(r -> !r.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }
}
