package io.karst.tcmur;

/**
 * A configuration change of an open device (tcmu-runner's {@code tcmulib_cfg_info}): a new size in bytes, a new
 * config string, or the write cache switched.
 */
public record TcmurReconfig(Kind kind, long size, String cfgString, boolean writeCache) {
    public enum Kind { SIZE, CFGSTRING, WRITE_CACHE }

    public static TcmurReconfig size(long bytes) {
        return new TcmurReconfig(Kind.SIZE, bytes, null, false);
    }

    public static TcmurReconfig cfgString(String cfg) {
        return new TcmurReconfig(Kind.CFGSTRING, 0, cfg, false);
    }

    public static TcmurReconfig writeCache(boolean enabled) {
        return new TcmurReconfig(Kind.WRITE_CACHE, 0, null, enabled);
    }
}
