package io.karst.fuse.internal;

import static org.assertj.core.api.Assertions.assertThat;

final class FuseFrontendImplTestAccess {
    private FuseFrontendImplTestAccess() {
    }

    static void assertMaxInFlight(FuseFrontendImpl f, String bdev, long atLeast) {
    }

    static void assertMaxInFlightAtLeast(FuseFrontendImpl f, String bdev, long atLeast) {
        long max = f.files().stream().filter(x -> x.bdev().equals(bdev)).findFirst().orElseThrow().maxInFlight();
        assertThat(max).as("most I/Os in flight at once on dev/" + bdev).isGreaterThanOrEqualTo(atLeast);
    }
}
