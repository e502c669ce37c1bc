package io.karst.bdev.rpc;

import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.Hashtable;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** An RPC method from a name and a function, and its registration as a whiteboard service. */
record Method(String name, String description, Function<RpcParams, Object> body) implements RpcMethod {
    @Override
    public Object call(RpcParams params) {
        return body.apply(params);
    }

    ServiceRegistration<RpcMethod> register(BundleContext context) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("karst.rpc.method", name);
        return context.registerService(RpcMethod.class, this, props);
    }
}
