package io.karst.web.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the dashboard's access rules (PID {@code io.karst.web}, file {@code etc/io.karst.web.cfg}). */
@ObjectClassDefinition(name = "Karst web dashboard",
        description = "Who may open the dashboard (/karst/), its JSON API (/karst/api/) and the metrics (/karst/metrics)")
@interface WebConfig {
    @AttributeDefinition(description = "JAAS realm that checks HTTP Basic logins")
    String realm() default "karaf";

    @AttributeDefinition(description = "a login must have at least one of these roles")
    String[] roles() default {"admin", "manager", "viewer"};

    @AttributeDefinition(description = "whether /karst/metrics asks for a login too (Prometheus scrape configs can"
            + " send HTTP Basic credentials)")
    boolean metrics_authentication() default true;

    @AttributeDefinition(description = "whether clients other than this host (loopback addresses) are served")
    boolean allow_remote() default false;
}
