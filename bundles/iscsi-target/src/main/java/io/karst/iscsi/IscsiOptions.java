package io.karst.iscsi;

import java.util.Map;

/**
 * Global options of the iSCSI target (SPDK {@code iscsi_set_options} and {@code iscsi_set_discovery_auth}),
 * configuration PID {@value #PID}.
 */
public record IscsiOptions(String nodeBase, int maxSessions, int maxQueueDepth, int maxRecvDataSegmentLength,
                           int maxBurstLength, int firstBurstLength, boolean immediateData, boolean initialR2T,
                           int maxR2tPerConnection, int defaultTime2Wait, int defaultTime2Retain,
                           int nopInInterval, int nopTimeout, boolean discoveryDisableChap,
                           boolean discoveryRequireChap, boolean discoveryMutualChap, int discoveryChapGroup,
                           int eventLoopThreads) {
    public static final String PID = "io.karst.iscsi";

    public static IscsiOptions from(Map<String, ?> p) {
        int maxBurst = Config.integer(p, "max_burst_length", 1048576, 512, 16777215);
        return new IscsiOptions(Config.string(p, "node_base", "iqn.2016-06.io.karst"),
                Config.integer(p, "max_sessions", 128, 1, 65535),
                Config.integer(p, "max_queue_depth", 128, 1, 4096),
                Config.integer(p, "max_recv_data_segment_length", 262144, 512, 16777215),
                maxBurst,
                Config.integer(p, "first_burst_length", 65536, 512, maxBurst),
                Config.bool(p, "immediate_data", true),
                Config.bool(p, "initial_r2t", false),
                Config.integer(p, "max_r2t_per_connection", 16, 1, 65535),
                Config.integer(p, "default_time2wait", 2, 0, 3600),
                Config.integer(p, "default_time2retain", 20, 0, 3600),
                Config.integer(p, "nop_in_interval", 30, 0, 3600),
                Config.integer(p, "nop_timeout", 60, 1, 3600),
                Config.bool(p, "disable_chap", false),
                Config.bool(p, "require_chap", false),
                Config.bool(p, "mutual_chap", false),
                Config.integer(p, "chap_group", 0, 0, 0xFFFF),
                Config.integer(p, "event_loop_threads", 0, 0, 256));
    }

    public static IscsiOptions defaults() {
        return from(Map.of());
    }
}
