package io.karst.bdev.virtual.internal;

/** Error injection over JMX: {@code io.karst:type=errorInjection}, the same operations as bdev:inject-error. */
public interface ErrorInjectionMBean {
    /** Names of the error bdevs. */
    String[] getErrorBdevs();

    /** ioType read, write, ... or all; errorType failure, nomem, nospace, medium, corrupt, pending; count 0 clears. */
    void inject(String name, String ioType, String errorType, int count);

    void clear(String name);

    String[] injections(String name);
}
