package io.karst.iscsi.internal.login;

import java.util.Optional;
import java.util.function.Function;

/**
 * How a target (or discovery) authenticates initiators (SPDK's disable_chap / require_chap / mutual_chap with a
 * CHAP group).
 *
 * @param disableChap  CHAP is refused: AuthMethod None only
 * @param requireChap  CHAP is required
 * @param mutualChap   the target authenticates itself to the initiator too
 * @param chapConfigured whether secrets exist to check CHAP against (when CHAP is optional and not configured,
 *                     an initiator offering CHAP and None gets None)
 * @param secrets      CHAP credentials by user name
 */
public record AuthPolicy(boolean disableChap, boolean requireChap, boolean mutualChap, boolean chapConfigured,
                         Function<String, Optional<ChapCredential>> secrets) {
    public AuthPolicy {
        if (disableChap && (requireChap || mutualChap)) {
            throw new IllegalArgumentException("CHAP cannot be disabled and required at once");
        }
        if (mutualChap && !requireChap) {
            throw new IllegalArgumentException("mutual CHAP needs CHAP required");
        }
    }

    public static AuthPolicy none() {
        return new AuthPolicy(false, false, false, false, u -> Optional.empty());
    }

    /** One CHAP secret entry: the initiator's user and secret, and optionally the target's (for mutual CHAP). */
    public record ChapCredential(String user, String secret, String mutualUser, String mutualSecret) {
        @Override
        public String toString() {
            return "ChapCredential[user=" + user + ", mutualUser=" + mutualUser + ", secrets hidden]";
        }
    }
}
