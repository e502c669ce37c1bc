package io.karst.iscsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A CHAP auth group (SPDK {@code iscsi_create_auth_group}): secrets by user, each optionally with the target's
 * own user and secret for mutual CHAP. Factory PID {@value #PID}: {@code tag = 1},
 * {@code secrets = user:secret[:muser:msecret] ...}. Secrets never appear in views, logs or toString.
 */
public record AuthGroupConfig(int tag, List<Secret> secrets) {
    public static final String PID = "io.karst.iscsi.authgroup";

    public AuthGroupConfig {
        if (tag < 1 || tag > 0xFFFF) {
            throw new IllegalArgumentException("auth group tag must be 1..65535");
        }
        secrets = List.copyOf(secrets);
    }

    /** One CHAP secret. */
    public record Secret(String user, String secret, String mutualUser, String mutualSecret) {
        public Secret {
            if (user == null || user.isEmpty() || secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException("a CHAP secret needs a user and a secret");
            }
            if ((mutualUser == null) != (mutualSecret == null)) {
                throw new IllegalArgumentException("mutual CHAP needs both a user and a secret");
            }
        }

        @Override
        public String toString() {
            return "Secret[user=" + user + (mutualUser != null ? ", muser=" + mutualUser : "") + "]";
        }
    }

    public static AuthGroupConfig from(Map<String, ?> p) {
        List<Secret> list = new ArrayList<>();
        for (String s : Config.list(p, "secrets")) {
            String[] f = s.split(":", -1);
            if (f.length != 2 && f.length != 4) {
                throw new IllegalArgumentException("auth group secret must be user:secret or user:secret:muser:msecret");
            }
            list.add(new Secret(f[0], f[1], f.length == 4 ? f[2] : null, f.length == 4 ? f[3] : null));
        }
        return new AuthGroupConfig(Config.integer(p, "tag", 1, 1, 0xFFFF), list);
    }

    public Map<String, String> properties() {
        List<String> s = new ArrayList<>();
        for (Secret x : secrets) {
            s.add(x.user() + ":" + x.secret() + (x.mutualUser() != null ? ":" + x.mutualUser() + ":"
                    + x.mutualSecret() : ""));
        }
        return Map.of("tag", Integer.toString(tag), "secrets", String.join(" ", s));
    }

    @Override
    public String toString() {
        return "AuthGroupConfig[tag=" + tag + ", secrets=" + secrets + "]";
    }
}
