package io.karst.tcmur.internal;

import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.u_int64_t;

/** The C host library ({@code src/main/c/karsttcmur.c}), bound with jnr-ffi. */
public interface NativeLib {
    int kt_version();

    int kt_init(@Out byte[] err, int errlen);

    void kt_set_log_level(int level);

    int kt_load_handler(String path, @Out byte[] err, int errlen);

    int kt_handler_count();

    String kt_handler_name(int i);

    String kt_handler_subtype(int i);

    String kt_handler_cfg_desc(int i);

    String kt_handler_path(int i);

    int kt_handler_nr_threads(int i);

    int kt_handler_ops(int i);

    int kt_check_config(int i, String cfg, @Out byte[] reason, int len);

    Pointer kt_dev_create(int i, String name, String cfgstring, @u_int64_t long size, int blockSize, int maxSectors,
                          int writeCache, String wwn);

    int kt_dev_open(Pointer dev, int reopen);

    void kt_dev_close(Pointer dev);

    void kt_dev_free(Pointer dev);

    int kt_dev_info(Pointer dev, @Out long[] out, int n);

    int kt_dev_reconfig(Pointer dev, int type, @u_int64_t long value, String cfgstring);

    int kt_dev_report_event(Pointer dev);

    Pointer kt_cmd_alloc(Pointer dev, int maxIov);

    void kt_cmd_free(Pointer cmd);

    Pointer kt_cmd_cdb(Pointer cmd);

    Pointer kt_cmd_stage(Pointer cmd);

    Pointer kt_cmd_sense(Pointer cmd);

    int kt_cmd_exec(long cmd, int op, @u_int64_t long a, @u_int64_t long b, int iovCnt, int cdbLen,
                    @u_int64_t long token);

    int kt_stats(@Out long[] out, int n);

    int kt_wait(int timeoutMs);

    void kt_wake();

    int kt_take_done(@Out long[] out, int max);

    int kt_take_log(@Out ByteBuffer out, int len, @Out long[] dropped);

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
