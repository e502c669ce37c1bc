package io.karst.fuse.internal;

import java.lang.annotation.Annotation;

/** A configuration for tests outside OSGi. */
@SuppressWarnings("all")
final class TestConfig implements FuseConfig {
    String mountPoint;
    String exports = "*";
    int threads = 2;
    int maxBackground = 128;
    boolean enabled = true;

    TestConfig(String mountPoint) {
        this.mountPoint = mountPoint;
    }

    @Override
    public Class<? extends Annotation> annotationType() {
        return FuseConfig.class;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public String mount_point() {
        return mountPoint;
    }

    @Override
    public String exports() {
        return exports;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public int max_background() {
        return maxBackground;
    }

    @Override
    public int max_write() {
        return 131072;
    }

    @Override
    public int max_requests() {
        return 256;
    }

    @Override
    public int file_uid() {
        return 0;
    }

    @Override
    public int file_gid() {
        return 6;
    }

    @Override
    public String file_mode() {
        return "0660";
    }

    @Override
    public boolean allow_other() {
        return true;
    }

    @Override
    public long attr_timeout_ms() {
        return 1000;
    }

    @Override
    public long stop_timeout_ms() {
        return 10000;
    }
}
