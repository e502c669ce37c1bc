package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {
    private final List<char[]> passwordsSeen = new ArrayList<>();

    private final AccessPolicy.Login login = (user, password) -> {
        passwordsSeen.add(password);
        if (user.equals("admin") && new String(password).equals("s3cret:x")) {
            return Optional.of(Set.of("admin", "viewer"));
        }
        if (user.equals("guest") && new String(password).equals("guest")) {
            return Optional.of(Set.of("ssh"));
        }
        return Optional.empty();
    };

    private AccessPolicy policy(boolean remote, boolean metricsAuth) {
        return new AccessPolicy(remote, metricsAuth, Set.of("admin", "manager", "viewer"), login);
    }

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aGoodLoginWithARoleIsLetIn() {
        AccessPolicy.Decision d = policy(false, true).decide("127.0.0.1", "/", basic("admin:s3cret:x"));
        assertThat(d.allowed()).isTrue();
        assertThat(d.user()).isEqualTo("admin");
        assertThat(passwordsSeen).hasSize(1);
        assertThat(passwordsSeen.get(0)).as("password wiped after the check").containsOnly('\0');
    }

    @Test
    void noOrWrongLoginIs401AndALoginWithoutTheRoleIs403() {
        AccessPolicy p = policy(false, true);
        assertThat(p.decide("127.0.0.1", "/", null).status()).isEqualTo(401);
        assertThat(p.decide("127.0.0.1", "/api/dashboard", basic("admin:wrong")).status()).isEqualTo(401);
        assertThat(p.decide("127.0.0.1", "/", "Bearer abc").status()).isEqualTo(401);
        assertThat(p.decide("127.0.0.1", "/", "Basic !!!notbase64").status()).isEqualTo(401);
        assertThat(p.decide("127.0.0.1", "/", basic("nocolon")).status()).isEqualTo(401);
        assertThat(p.decide("127.0.0.1", "/", basic("guest:guest")).status()).isEqualTo(403);
    }

    @Test
    void onlyLocalClientsUnlessRemoteIsAllowed() {
        AccessPolicy local = policy(false, true);
        assertThat(local.decide("10.1.2.3", "/", basic("admin:s3cret:x")).status()).isEqualTo(403);
        assertThat(local.decide("::1", "/", basic("admin:s3cret:x")).allowed()).isTrue();
        assertThat(local.decide("[0:0:0:0:0:0:0:1]", "/", basic("admin:s3cret:x")).allowed()).isTrue();
        assertThat(local.decide("127.0.0.2", "/", basic("admin:s3cret:x")).allowed()).isTrue();
        assertThat(policy(true, true).decide("10.1.2.3", "/", basic("admin:s3cret:x")).allowed()).isTrue();
        assertThat(AccessPolicy.isLoopback("localhost")).as("names are not looked up").isFalse();
        assertThat(AccessPolicy.isLoopback(null)).isFalse();
    }

    @Test
    void metricsMayBeServedWithoutLogin() {
        assertThat(policy(false, true).decide("127.0.0.1", "/metrics", null).status()).isEqualTo(401);
        assertThat(policy(false, false).decide("127.0.0.1", "/metrics", null).allowed()).isTrue();
        // only the metrics
        assertThat(policy(false, false).decide("127.0.0.1", "/api/dashboard", null).status()).isEqualTo(401);
        // and still only for local clients
        assertThat(policy(false, false).decide("192.168.0.9", "/metrics", null).status()).isEqualTo(403);
    }

    @Test
    void basicHeaderParsing() {
        var c = AccessPolicy.parseBasic("basic " + Base64.getEncoder().encodeToString(
                "j\u00fcrgen:pa:ss".getBytes(StandardCharsets.UTF_8))).orElseThrow();
        assertThat(c.user()).isEqualTo("j\u00fcrgen");
        assertThat(Arrays.equals(c.password(), "pa:ss".toCharArray())).isTrue();
        assertThat(AccessPolicy.parseBasic(basic(":nouser"))).isEmpty();
    }

    @Test
    void rolesMayComeAsAListOrCommaSeparated() {
        assertThat(WebAccess.roles(new String[] {"admin, viewer", "manager", " "}))
                .containsExactlyInAnyOrder("admin", "viewer", "manager");
    }
}
