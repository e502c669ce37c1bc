package io.karst.bdev.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.karst.bdev.BdevException;
import io.karst.bdev.ClaimType;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random open/close sequences against the claim rules: the invariants of the claim model always hold. */
class ClaimRulesTest {
    record Req(boolean close, int victim, boolean writable, ClaimType claim, String key) implements ClaimRules.Open {
        @Override
        public String holder() {
            return claim + (writable ? "/rw" : "/ro") + "/" + key;
        }

        @Override
        public String sharedKey() {
            return key;
        }
    }

    @Provide
    Arbitrary<List<Req>> steps() {
        return step().list().ofMaxSize(40);
    }

    private Arbitrary<Req> step() {
        return Combinators.combine(Arbitraries.integers().between(0, 3).map(i -> i == 0),
                        Arbitraries.integers().between(0, 10), Arbitraries.of(true, false),
                        Arbitraries.of(ClaimType.class), Arbitraries.of("a", "b"))
                .as(Req::new);
    }

    @Property
    void invariantsHold(@ForAll("steps") List<Req> steps) {
        List<Req> open = new ArrayList<>();
        for (Req r : steps) {
            if (r.close()) {
                if (!open.isEmpty()) {
                    open.remove(r.victim() % open.size());
                }
                continue;
            }
            boolean emptyBefore = open.isEmpty();
            try {
                ClaimRules.check("b", open, r.writable(), r.claim(), r.key());
                open.add(r);
            } catch (BdevException e) {
                assertThat(e.reason()).isIn(BdevException.Reason.CLAIMED, BdevException.Reason.INVALID);
                if (e.reason() == BdevException.Reason.CLAIMED) {
                    assertThat(emptyBefore).as("nothing is claimed on an unopened bdev").isFalse();
                } else {
                    assertThat(r.claim()).isIn(ClaimType.EXCLUSIVE_WRITE, ClaimType.READ_MANY_WRITE_NONE);
                }
            }
            check(open);
        }
    }

    private static void check(List<Req> open) {
        long claims = open.stream().filter(o -> o.claim() != ClaimType.NONE).count();
        long types = open.stream().map(Req::claim).filter(c -> c != ClaimType.NONE).distinct().count();
        assertThat(types).as("one claim type at a time").isLessThanOrEqualTo(1);
        if (claims > 0) {
            assertThat(open).as("no unclaimed writer beside a claim")
                    .noneMatch(o -> o.claim() == ClaimType.NONE && o.writable());
        }
        long excl = open.stream().filter(o -> o.claim() == ClaimType.EXCLUSIVE_WRITE).count();
        assertThat(excl).isLessThanOrEqualTo(1);
        if (excl == 1) {
            assertThat(open.stream().filter(Req::writable).count()).isEqualTo(1);
        }
        if (open.stream().anyMatch(o -> o.claim() == ClaimType.READ_MANY_WRITE_NONE)) {
            assertThat(open).noneMatch(Req::writable);
        }
        assertThat(open.stream().filter(o -> o.claim() == ClaimType.READ_MANY_WRITE_ONE && o.writable()).count())
                .isLessThanOrEqualTo(1);
        assertThat(open.stream().filter(o -> o.claim() == ClaimType.READ_MANY_WRITE_SHARED).map(Req::key).distinct()
                .count()).isLessThanOrEqualTo(1);
    }

    @Property(tries = 200)
    void aFirstOpenIsAlwaysAllowedWhenWellFormed(@ForAll boolean writable, @ForAll ClaimType claim) {
        boolean wellFormed = !(claim == ClaimType.EXCLUSIVE_WRITE && !writable)
                && !(claim == ClaimType.READ_MANY_WRITE_NONE && writable);
        try {
            ClaimRules.check("b", List.of(), writable, claim, "k");
            assertThat(wellFormed).isTrue();
        } catch (BdevException e) {
            assertThat(wellFormed).isFalse();
        }
    }
}
