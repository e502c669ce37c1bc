package io.karst.iscsi.internal;

/** Holder of the configuration component classes' shared logging. */
final class ConfigComponents {
    static final System.Logger LOG = System.getLogger(ConfigComponents.class.getName());

    private ConfigComponents() {
    }

    static void invalid(String pid, Object name, RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "iSCSI configuration {0} ({1}) is invalid: {2}", pid, name,
                e.getMessage());
    }
}
