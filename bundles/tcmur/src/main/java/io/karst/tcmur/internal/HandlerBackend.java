package io.karst.tcmur.internal;

import io.karst.tcmur.TcmurException;
import io.karst.tcmur.TcmurOperation;
import java.util.Set;

/** A loaded handler, Java or native, as the host drives it. */
interface HandlerBackend {
    String name();

    String subtype();

    String cfgDesc();

    int nrThreads();

    Set<TcmurOperation> operations();

    /** Where it comes from: {@code bundle <symbolic name> <version>} or the path of the {@code .so}. */
    String origin();

    boolean isNative();

    /** {@code null} if the config string looks usable, else the reason. */
    String checkConfig(String cfgString);

    /** Opens a device; the returned device's tunables are what the handler set in open. */
    DeviceBackend open(DeviceSpec spec, int maxOutstanding) throws TcmurException;

    /** What a device is created with. */
    record DeviceSpec(String name, String cfgString, long size, int blockSize, int maxSectors, boolean writeCache,
                      String wwn) {
    }
}
