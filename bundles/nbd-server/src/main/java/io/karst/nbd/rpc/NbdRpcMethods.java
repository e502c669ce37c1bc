package io.karst.nbd.rpc;

import io.karst.nbd.NbdExport;
import io.karst.nbd.NbdExportInfo;
import io.karst.nbd.NbdServer;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * SPDK's NBD methods. SPDK attaches a bdev to a kernel device {@code /dev/nbdX}; Karst serves it over the network
 * instead, so {@code nbd_device} is the <em>export name</em> clients ask for (any string up to 4096 bytes, taken
 * verbatim, so configurations saved by SPDK replay unchanged: their {@code /dev/nbd0} becomes an export of that
 * name). Without {@code nbd_device} the export is named after the bdev. The result of {@code nbd_start_disk} is the
 * export name, as SPDK's is the device path. Karst's extra parameters: {@code read_only}, {@code default} (also
 * answer to the empty export name), {@code description}, {@code multi_conn} (auto, on, off).
 */
@Component(immediate = true, service = {})
public final class NbdRpcMethods {
    private final List<ServiceRegistration<RpcMethod>> registrations = new ArrayList<>();

    @Activate
    public NbdRpcMethods(BundleContext context, @Reference NbdServer server) {
        for (RpcMethod m : methods(server)) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("karst.rpc.method", m.name());
            registrations.add(context.registerService(RpcMethod.class, m, props));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<RpcMethod> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException gone) {
                // bundle stopping
            }
        }
    }

    record Method(String name, String description, Function<RpcParams, Object> body) implements RpcMethod {
        @Override
        public Object call(RpcParams params) {
            return body.apply(params);
        }
    }

    static List<RpcMethod> methods(NbdServer server) {
        return List.of(
            new Method("nbd_start_disk", "Export a bdev over NBD; nbd_device is the export name (default: the bdev"
                    + " name); returns the export name", p -> {
                p.allowOnly("bdev_name", "nbd_device", "read_only", "default", "description", "multi_conn");
                String bdev = p.requiredString("bdev_name");
                String name = p.string("nbd_device", bdev);
                NbdExport e;
                try {
                    e = new NbdExport(name, bdev, p.bool("read_only", false), p.bool("default", false),
                            p.string("description", ""), NbdExport.multiConn(p.string("multi_conn", "auto")));
                } catch (IllegalArgumentException ex) {
                    throw RpcException.invalidParams(ex.getMessage());
                }
                return call(() -> server.startExport(e).export().name());
            }),
            new Method("nbd_stop_disk", "Stop an NBD export (nbd_device: the export name); its clients are"
                    + " disconnected", p -> {
                p.allowOnly("nbd_device");
                String name = p.requiredString("nbd_device");
                call(() -> {
                    server.stopExport(name);
                    return null;
                });
                return true;
            }),
            new Method("nbd_get_disks", "List the NBD exports (nbd_device: the export name), or the one named", p -> {
                p.allowOnly("nbd_device");
                List<Object> out = new ArrayList<>();
                if (p.has("nbd_device")) {
                    String name = p.requiredString("nbd_device");
                    NbdExportInfo e = server.export(name).orElseThrow(() -> RpcException.errno(RpcException.ENODEV,
                            "No such device: no NBD export named " + name));
                    out.add(json(e));
                } else {
                    for (NbdExportInfo e : server.exports()) {
                        out.add(json(e));
                    }
                }
                return out;
            }));
    }

    /** SPDK's two keys, then Karst's. */
    static Map<String, Object> json(NbdExportInfo e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nbd_device", e.export().name());
        m.put("bdev_name", e.export().bdev());
        m.put("read_only", e.export().readOnly());
        m.put("default", e.export().isDefault());
        m.put("state", e.state());
        m.put("size", e.sizeBytes());
        m.put("connections", e.connections());
        return m;
    }

    private static <T> T call(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (NoSuchElementException e) {
            throw RpcException.errno(RpcException.ENODEV, "No such device: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw RpcException.errno(RpcException.EEXIST, "File exists: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw RpcException.errno(RpcException.EIO, e.getMessage());
        }
    }
}
