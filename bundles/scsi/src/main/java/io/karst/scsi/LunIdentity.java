package io.karst.scsi;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Identity of a logical unit, derived from the backing volume's UUID only: the same volume has the same serial,
 * NAA, EUI-64 and T10 designators on every gateway and after every restart (multipath initiators key on them).
 *
 * <p>The NAA designator is locally assigned (NAA 3) and the EUI-64 uses the locally administered bit, as Karst owns
 * no IEEE company identifier: both are the UUID's 128 bits folded into 60 and 64 bits.
 */
public final class LunIdentity {
    /** T10 vendor identification, 8 bytes, space-padded. */
    public static final String VENDOR = "KARST   ";

    private final UUID uuid;
    private final String serial;
    private final long naa;
    private final long eui64;

    private LunIdentity(UUID uuid) {
        this.uuid = uuid;
        this.serial = uuid.toString().replace("-", "");
        long folded = uuid.getMostSignificantBits() ^ Long.rotateLeft(uuid.getLeastSignificantBits(), 29);
        this.naa = (0x3L << 60) | (folded & 0x0FFF_FFFF_FFFF_FFFFL);
        // EUI-64 with the locally administered (U/L) bit set and the group bit clear in the first byte
        this.eui64 = (folded & 0xFCFF_FFFF_FFFF_FFFFL) | 0x0200_0000_0000_0000L;
    }

    public static LunIdentity of(UUID uuid) {
        return new LunIdentity(java.util.Objects.requireNonNull(uuid, "uuid"));
    }

    public UUID uuid() {
        return uuid;
    }

    /** Unit serial number (VPD 0x80): the UUID's 32 hex digits. */
    public String serial() {
        return serial;
    }

    /** The 8-byte NAA designator (NAA 3, locally assigned). */
    public long naa() {
        return naa;
    }

    public long eui64() {
        return eui64;
    }

    /** T10 vendor ID based designator: vendor followed by the serial. */
    public byte[] t10Designator() {
        return (VENDOR + serial).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return String.format("naa.%016x serial %s", naa, serial);
    }
}
