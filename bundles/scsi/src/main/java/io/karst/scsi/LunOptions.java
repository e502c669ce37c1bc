package io.karst.scsi;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a bdev is presented as a logical unit.
 *
 * @param productId          INQUIRY product identification (up to 16 ASCII characters)
 * @param revision           INQUIRY product revision level (up to 4 characters)
 * @param thinProvisioning   whether to advertise logical block provisioning (UNMAP, WRITE SAME with UNMAP);
 *                           only honoured when the bdev supports UNMAP
 * @param maxTransferBytes   largest single READ/WRITE (VPD B0 MAXIMUM TRANSFER LENGTH)
 * @param portGroups         the ALUA target port groups this unit is reachable through
 * @param reservationStore   where persistent reservations with APTPL are kept; null: APTPL is refused
 */
public record LunOptions(String productId, String revision, boolean thinProvisioning, int maxTransferBytes,
                         Supplier<List<PortGroup>> portGroups, PersistentReservations.Store reservationStore) {
    public static final int DEFAULT_MAX_TRANSFER = 32 << 20;

    public LunOptions {
        productId = ascii(productId == null ? "Karst disk" : productId, 16);
        revision = ascii(revision == null ? "0001" : revision, 4);
        if (maxTransferBytes < 4096) {
            throw new IllegalArgumentException("maximum transfer must be at least 4096 bytes");
        }
        Objects.requireNonNull(portGroups, "portGroups");
    }

    public static LunOptions defaults() {
        return new LunOptions(null, null, true, DEFAULT_MAX_TRANSFER, PortGroup::single, null);
    }

    public LunOptions withProductId(String p) {
        return new LunOptions(p, revision, thinProvisioning, maxTransferBytes, portGroups, reservationStore);
    }

    public LunOptions withThinProvisioning(boolean thin) {
        return new LunOptions(productId, revision, thin, maxTransferBytes, portGroups, reservationStore);
    }

    public LunOptions withPortGroups(Supplier<List<PortGroup>> groups) {
        return new LunOptions(productId, revision, thinProvisioning, maxTransferBytes, groups, reservationStore);
    }

    public LunOptions withReservationStore(PersistentReservations.Store store) {
        return new LunOptions(productId, revision, thinProvisioning, maxTransferBytes, portGroups, store);
    }

    private static String ascii(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch >= 0x20 && ch < 0x7F && b.length() < max) {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
