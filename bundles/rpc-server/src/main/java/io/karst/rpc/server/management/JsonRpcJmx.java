package io.karst.rpc.server.management;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonDecodeException;
import io.karst.rpc.json.JsonValues;
import io.karst.rpc.server.internal.RpcRegistry;
import io.karst.rpc.server.internal.RpcServer;
import java.time.Duration;
import java.util.Map;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code io.karst:type=rpc}, exported by the JMX whiteboard: a third door to the methods the socket and the
 * {@code rpc:*} commands serve. Errors reach JMX clients as plain {@code java.lang} exceptions.
 */
@Component(service = javax.management.DynamicMBean.class, property = "jmx.objectname=io.karst:type=rpc")
public final class JsonRpcJmx extends StandardMBean implements JsonRpcMBean {
    private final RpcRegistry registry;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile RpcServer server;

    @Activate
    public JsonRpcJmx(@Reference RpcRegistry registry) throws NotCompliantMBeanException {
        super(JsonRpcMBean.class);
        this.registry = registry;
    }

    @Override
    public String[] getMethods() {
        return registry.methods().stream().map(RpcRegistry.MethodInfo::name).toArray(String[]::new);
    }

    @Override
    public String[] getListeners() {
        RpcServer s = server;
        return s == null ? new String[0] : s.listenerNames().toArray(String[]::new);
    }

    @Override
    public int getConnectionsOpen() {
        RpcServer s = server;
        return s == null ? 0 : ((Number) s.info().get("connections open")).intValue();
    }

    @Override
    public long getRequests() {
        RpcServer s = server;
        return s == null ? 0 : ((Number) s.info().get("requests")).longValue();
    }

    @Override
    public String getStartupConfiguration() {
        RpcServer s = server;
        return s == null ? "server not running" : String.valueOf(s.info().get("startup configuration"));
    }

    @Override
    public String call(String method, String paramsJson) {
        Map<String, Object> params = object(paramsJson, true);
        try {
            return JsonValues.writePretty(registry.call(method, params));
        } catch (RpcException e) {
            throw plain(e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("JSON-RPC error " + RpcException.INTERNAL_ERROR + ": Internal error ("
                    + e.getClass().getSimpleName() + "; see the Karst log)");
        }
    }

    @Override
    public String saveConfig() {
        return JsonValues.writePretty(registry.saveConfig());
    }

    @Override
    public String loadConfig(String configJson) {
        try {
            return JsonValues.writePretty(registry.loadConfig(object(configJson, false), Duration.ZERO));
        } catch (RpcException e) {
            throw plain(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String json, boolean emptyIsNone) {
        if (json == null || json.isBlank()) {
            if (emptyIsNone) {
                return null;
            }
            throw new IllegalArgumentException("no JSON given");
        }
        Object value;
        try {
            value = JsonValues.parse(json);
        } catch (JsonDecodeException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("a JSON object is expected");
        }
        return (Map<String, Object>) m;
    }

    private static IllegalStateException plain(RpcException e) {
        String data = e.data() == null ? "" : "\n" + (e.data() instanceof String s ? s : JsonValues.writePretty(e.data()));
        return new IllegalStateException("JSON-RPC error " + e.code() + ": " + e.getMessage() + data);
    }
}
