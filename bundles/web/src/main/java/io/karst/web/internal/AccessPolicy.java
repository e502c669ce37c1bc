package io.karst.web.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may use the dashboard, its API and the metrics: clients on this host only (unless remote clients are
 * allowed), with an HTTP Basic login that the realm accepts and that has one of the required roles. The metrics may
 * be served without a login. How a password is checked is up to the {@link Login} (JAAS in Karaf).
 */
final class AccessPolicy {
    /** Checks a user's password; the user's roles if it is right, empty if not. */
    @FunctionalInterface
    interface Login {
        Optional<Set<String>> roles(String user, char[] password);
    }

    /** What to answer. */
    record Decision(int status, String user, String reason) {
        static final int ALLOW = 200;
        static final int UNAUTHORIZED = 401;
        static final int FORBIDDEN = 403;

        boolean allowed() {
            return status == ALLOW;
        }
    }

    /** A user name and password from an {@code Authorization: Basic} header. */
    record Credentials(String user, char[] password) {
    }

    static final String METRICS_PATH = "/metrics";

    private final boolean allowRemote;
    private final boolean metricsAuthentication;
    private final Set<String> roles;
    private final Login login;

    AccessPolicy(boolean allowRemote, boolean metricsAuthentication, Set<String> roles, Login login) {
        this.allowRemote = allowRemote;
        this.metricsAuthentication = metricsAuthentication;
        this.roles = Set.copyOf(roles);
        this.login = login;
    }

    /**
     * @param remoteAddress the client's IP address
     * @param path          the request's path inside the dashboard's context ({@code /}, {@code /api/dashboard},
     *                      {@code /metrics}, ...)
     * @param authorization the {@code Authorization} header, or {@code null}
     */
    Decision decide(String remoteAddress, String path, String authorization) {
        if (!allowRemote && !isLoopback(remoteAddress)) {
            return new Decision(Decision.FORBIDDEN, null, "only clients on this host are served");
        }
        if (!metricsAuthentication && METRICS_PATH.equals(path)) {
            return new Decision(Decision.ALLOW, null, null);
        }
        Optional<Credentials> credentials = parseBasic(authorization);
        if (credentials.isEmpty()) {
            return new Decision(Decision.UNAUTHORIZED, null, "login required");
        }
        Credentials c = credentials.get();
        try {
            Optional<Set<String>> userRoles = login.roles(c.user(), c.password());
            if (userRoles.isEmpty()) {
                return new Decision(Decision.UNAUTHORIZED, null, "wrong user name or password");
            }
            if (userRoles.get().stream().noneMatch(roles::contains)) {
                return new Decision(Decision.FORBIDDEN, c.user(), "user " + c.user() + " has none of the roles "
                        + String.join(", ", roles.stream().sorted().toList()));
            }
            return new Decision(Decision.ALLOW, c.user(), null);
        } finally {
            Arrays.fill(c.password(), '\0');
        }
    }

    static Optional<Credentials> parseBasic(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(space + 1).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1).toCharArray()));
    }

    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        // only literal addresses: never ask a name service
        if (!a.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':')) {
            return false;
        }
        try {
            return InetAddress.getByName(a).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
