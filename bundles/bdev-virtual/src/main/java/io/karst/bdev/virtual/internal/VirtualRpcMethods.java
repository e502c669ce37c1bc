package io.karst.bdev.virtual.internal;

import io.karst.bdev.BdevAdmin;
import io.karst.bdev.BdevException;
import io.karst.bdev.IoType;
import io.karst.rpc.RpcException;
import io.karst.rpc.RpcMethod;
import io.karst.rpc.RpcParams;
import java.util.Locale;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** SPDK's methods for what only the virtual bdevs do: injecting errors, changing a delay bdev's latency. */
public final class VirtualRpcMethods {
    private VirtualRpcMethods() {
    }

    /** {@code bdev_error_inject_error}: SPDK's parameters; also Karst's nospace and medium error types. */
    @Component(service = RpcMethod.class, property = "karst.rpc.method=bdev_error_inject_error")
    public static final class InjectError implements RpcMethod {
        private final ErrorInjector injector;

        @Activate
        public InjectError(@Reference ErrorInjector injector) {
            this.injector = injector;
        }

        @Override
        public String name() {
            return "bdev_error_inject_error";
        }

        @Override
        public String description() {
            return "Make an error bdev fail, corrupt or hold the next requests of an I/O type";
        }

        @Override
        public Object call(RpcParams p) {
            p.allowOnly("name", "io_type", "error_type", "num", "queue_depth", "corrupt_offset", "corrupt_value",
                    "nvme_sct", "nvme_sc");
            String name = p.requiredString("name");
            String ioType = p.requiredString("io_type").toLowerCase(Locale.ROOT);
            String errorType = p.requiredString("error_type").toLowerCase(Locale.ROOT);
            int num = p.intValue("num", 1);
            ErrorBdev bdev;
            try {
                bdev = injector.find(name);
            } catch (BdevException e) {
                throw RpcException.errno(RpcException.ENODEV, "No such device: " + e.getMessage());
            }
            if (ioType.equals("clear")) {
                bdev.clear();
                return true;
            }
            IoType type;
            if (ioType.equals("all")) {
                type = null;
            } else {
                try {
                    type = ErrorInjector.parseType(ioType);
                } catch (BdevException e) {
                    throw RpcException.invalidParams(e.getMessage());
                }
            }
            ErrorBdev.Injection inj = switch (errorType) {
                case "failure" -> ErrorBdev.Injection.FAILURE;
                case "nomem" -> ErrorBdev.Injection.NOMEM;
                case "pending" -> ErrorBdev.Injection.PENDING;
                case "corrupt_data" -> ErrorBdev.Injection.CORRUPT;
                case "nospace" -> ErrorBdev.Injection.NOSPACE;
                case "medium" -> ErrorBdev.Injection.MEDIUM;
                case "nvme_failure" -> throw RpcException.errno(RpcException.ENOTSUP,
                        "Operation not supported: nvme_failure (Karst bdevs are not NVMe)");
                default -> throw RpcException.invalidParams("unknown error_type " + errorType);
            };
            int value = p.intValue("corrupt_value", inj == ErrorBdev.Injection.CORRUPT ? 0xff : 0);
            if (inj == ErrorBdev.Injection.CORRUPT && (value < 1 || value > 255)) {
                throw RpcException.invalidParams("corrupt_value must be 1 to 255");
            }
            long offset = p.longValue("corrupt_offset", 0);
            if (offset < 0 || offset > Integer.MAX_VALUE) {
                throw RpcException.invalidParams("corrupt_offset is out of range");
            }
            if (num < 0) {
                throw RpcException.invalidParams("num must not be negative");
            }
            bdev.inject(type, inj, num, (int) offset, (byte) value);
            return true;
        }
    }

    /** {@code bdev_delay_update_latency}: stored in the delay bdev's configuration and applied at once. */
    @Component(service = RpcMethod.class, property = "karst.rpc.method=bdev_delay_update_latency")
    public static final class UpdateLatency implements RpcMethod {
        private final BdevAdmin admin;

        @Activate
        public UpdateLatency(@Reference BdevAdmin admin) {
            this.admin = admin;
        }

        @Override
        public String name() {
            return "bdev_delay_update_latency";
        }

        @Override
        public String description() {
            return "Change one latency of a delay bdev (avg_read, p99_read, avg_write, p99_write; microseconds)";
        }

        @Override
        public Object call(RpcParams p) {
            p.allowOnly("delay_bdev_name", "latency_type", "latency_us");
            String name = p.requiredString("delay_bdev_name");
            String type = p.requiredString("latency_type");
            long us = p.requiredLong("latency_us");
            if (!type.matches("avg_read|p99_read|avg_write|p99_write|other")) {
                throw RpcException.invalidParams("latency_type must be avg_read, p99_read, avg_write or p99_write");
            }
            try {
                Map<String, String> c = admin.isConfigured(name) ? admin.configuration(name) : Map.of();
                if (!"delay".equals(c.get("type"))) {
                    throw RpcException.errno(RpcException.ENODEV, "No such device: no delay bdev named " + name);
                }
                admin.reconfigure(name, Map.of(type + "_latency", Long.toString(us)));
            } catch (BdevException e) {
                throw RpcException.errno(e.reason() == BdevException.Reason.NOT_FOUND ? RpcException.ENODEV
                        : RpcException.EINVAL, e.getMessage());
            }
            return true;
        }
    }
}
