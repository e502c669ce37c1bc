package io.karst.fuse.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Karst FUSE frontend", description = "Bdevs as files, with proc/ and sys/ status trees")
public @interface FuseConfig {
    @AttributeDefinition(description = "Mount the file system (false: keep it unmounted)")
    boolean enabled() default true;

    @AttributeDefinition(name = "mount.point", description = "Where to mount; empty: <karaf.data>/fuse")
    String mount_point() default "";

    @AttributeDefinition(description = "Exported bdevs: * for all, or a comma-separated list of names")
    String exports() default "*";

    @AttributeDefinition(description = "Worker threads reading the FUSE device; 0: the number of cores, at least 2")
    int threads() default 0;

    @AttributeDefinition(name = "max.background",
            description = "Asynchronous requests the kernel may have in flight (asynchronous direct I/O)")
    int max_background() default 128;

    @AttributeDefinition(name = "max.write", description = "Largest request in bytes (4096 to 1048576)")
    int max_write() default 131072;

    @AttributeDefinition(name = "max.requests", description = "Request buffers at most (back-pressure beyond)")
    int max_requests() default 256;

    @AttributeDefinition(name = "file.uid", description = "Owner of the dev/ files")
    int file_uid() default 0;

    @AttributeDefinition(name = "file.gid", description = "Group of the dev/ files (6: disk)")
    int file_gid() default 6;

    @AttributeDefinition(name = "file.mode", description = "Permissions of the dev/ files, octal; read-only bdevs lose the write bits")
    String file_mode() default "0660";

    @AttributeDefinition(name = "allow.other", description = "Let users other than the mounting one in (permissions still apply)")
    boolean allow_other() default true;

    @AttributeDefinition(name = "attr.timeout.ms", description = "How long the kernel caches names and attributes")
    long attr_timeout_ms() default 1000;

    @AttributeDefinition(name = "stop.timeout.ms", description = "How long unmounting waits for I/O in flight")
    long stop_timeout_ms() default 10000;
}
