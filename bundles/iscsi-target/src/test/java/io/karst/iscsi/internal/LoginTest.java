package io.karst.iscsi.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.karst.iscsi.internal.login.AuthPolicy;
import io.karst.iscsi.internal.login.Login;
import io.karst.iscsi.internal.login.LoginDirectory;
import io.karst.iscsi.internal.login.LoginException;
import io.karst.iscsi.internal.login.TargetLimits;
import io.karst.iscsi.internal.login.TextKeys;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The login state machine and text negotiation, without a network. */
class LoginTest {
    static final LoginDirectory OPEN = new LoginDirectory() {
        @Override
        public int portalGroupTag() {
            return 1;
        }

        @Override
        public AuthPolicy authorize(String targetName, String initiatorName) throws LoginException {
            if (!targetName.equals("iqn.2016-06.io.karst:t")) {
                throw new LoginException(LoginException.NOT_FOUND, "no target");
            }
            return AuthPolicy.none();
        }

        @Override
        public AuthPolicy discoveryPolicy() {
            return new AuthPolicy(false, true, false, true, u -> u.equals("bob")
                    ? Optional.of(new AuthPolicy.ChapCredential("bob", "bobsecret1234", null, null))
                    : Optional.empty());
        }

        @Override
        public String targetAlias(String targetName) {
            return "alias";
        }
    };

    static byte[] keys(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return TextKeys.encode(m);
    }

    static Map<String, String> parse(byte[] b) {
        Map<String, String> m = new LinkedHashMap<>();
        TextKeys.parse(b).forEach(p -> m.put(p.key(), p.value()));
        return m;
    }

    @Test
    void negotiatesOperationalKeysByTheirRules() throws Exception {
        Login l = new Login(OPEN, TargetLimits.defaults());
        Login.Response r = l.process(new Login.Request(true, false, 1, 3, 0, 0, keys(
                "InitiatorName", "iqn.x:i", "TargetName", "iqn.2016-06.io.karst:t",
                "HeaderDigest", "None,CRC32C", "DataDigest", "CRC32C", "MaxConnections", "4",
                "InitialR2T", "No", "ImmediateData", "Yes", "MaxBurstLength", "16776192",
                "FirstBurstLength", "262144", "DefaultTime2Wait", "0", "DefaultTime2Retain", "60",
                "MaxOutstandingR2T", "64", "ErrorRecoveryLevel", "2", "MaxRecvDataSegmentLength", "65536",
                "X-com.example.foo", "bar", "IFMarker", "Yes")));
        Map<String, String> out = parse(r.keys());
        assertThat(r.complete()).isTrue();
        assertThat(out).containsEntry("HeaderDigest", "None").containsEntry("DataDigest", "CRC32C")
                .containsEntry("MaxConnections", "1").containsEntry("InitialR2T", "No")
                .containsEntry("ImmediateData", "Yes").containsEntry("MaxBurstLength", "1048576")
                .containsEntry("FirstBurstLength", "65536").containsEntry("DefaultTime2Wait", "2")
                .containsEntry("DefaultTime2Retain", "20").containsEntry("MaxOutstandingR2T", "16")
                .containsEntry("ErrorRecoveryLevel", "0").containsEntry("X-com.example.foo", "NotUnderstood")
                .containsEntry("IFMarker", "No").containsEntry("MaxRecvDataSegmentLength", "262144")
                .containsEntry("TargetPortalGroupTag", "1").containsEntry("TargetAlias", "alias");
        assertThat(l.params().initiatorMaxRecvDataSegmentLength).isEqualTo(65536);
        assertThat(l.params().targetMaxRecvDataSegmentLength).isEqualTo(262144);
        assertThat(l.params().dataDigest).isTrue();
        assertThat(l.params().headerDigest).isFalse();
    }

    @Test
    void refusesWhatRfc7143Refuses() {
        assertThat(status(keys("TargetName", "iqn.2016-06.io.karst:t"))).isEqualTo(LoginException.MISSING_PARAMETER);
        assertThat(status(keys("InitiatorName", "iqn.x:i", "TargetName", "iqn.nope:x")))
                .isEqualTo(LoginException.NOT_FOUND);
        assertThat(status(keys("InitiatorName", "iqn.x:i", "SessionType", "Weird")))
                .isEqualTo(LoginException.SESSION_TYPE_NOT_SUPPORTED);
        assertThat(status("InitiatorName=iqn.x:i\0garbage\0".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(LoginException.INITIATOR_ERROR);
        assertThat(status("InitiatorName=a\0InitiatorName=b\0".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(LoginException.INITIATOR_ERROR);
        // discovery requires CHAP here
        assertThat(status(keys("InitiatorName", "iqn.x:i", "SessionType", "Discovery", "AuthMethod", "None")))
                .isEqualTo(LoginException.AUTHENTICATION_FAILURE);
        assertThatThrownBy(() -> new Login(OPEN, TargetLimits.defaults()).process(
                new Login.Request(true, false, 0, 0, 0, 0, keys("InitiatorName", "iqn.x:i"))))
                .isInstanceOf(LoginException.class);
    }

    static int status(byte[] k) {
        try {
            new Login(OPEN, TargetLimits.defaults()).process(new Login.Request(false, false, 0, 1, 0, 0, k));
            return 0;
        } catch (LoginException e) {
            return e.status();
        }
    }

    @Test
    void chapDiscoveryWithRightAndWrongSecret() throws Exception {
        for (String secret : new String[] {"bobsecret1234", "notthesecret9"}) {
            Login l = new Login(OPEN, TargetLimits.defaults());
            l.process(new Login.Request(false, false, 0, 1, 0, 0, keys("InitiatorName", "iqn.x:i", "SessionType",
                    "Discovery", "AuthMethod", "CHAP")));
            Map<String, String> ch = parse(l.process(new Login.Request(false, false, 0, 1, 0, 0,
                    keys("CHAP_A", "7,5"))).keys());
            int id = Integer.parseInt(ch.get("CHAP_I"));
            byte[] c = Login.decodeBinary(ch.get("CHAP_C"));
            // the same response as base64 must be accepted as well
            String r = "0b" + java.util.Base64.getEncoder().encodeToString(Login.chapResponse(id, secret, c));
            if (secret.equals("notthesecret9")) {
                assertThatThrownBy(() -> l.process(new Login.Request(true, false, 0, 1, 0, 0,
                        keys("CHAP_N", "bob", "CHAP_R", r)))).isInstanceOf(LoginException.class)
                        .hasMessageNotContaining("notthesecret9").extracting("status")
                        .isEqualTo(LoginException.AUTHENTICATION_FAILURE);
            } else {
                Login.Response resp = l.process(new Login.Request(true, false, 0, 1, 0, 0,
                        keys("CHAP_N", "bob", "CHAP_R", r)));
                assertThat(resp.transit()).isTrue();
                assertThat(l.chapUser()).isEqualTo("bob");
            }
        }
    }

    /** Random key/value text never crashes the negotiator: it answers or fails the login with a status. */
    @Property(tries = 1000)
    void arbitraryTextIsAnsweredOrRefused(@ForAll @Size(max = 12) java.util.List<@net.jqwik.api.constraints.AlphaChars
            @Size(min = 1, max = 20) String> keysList, @ForAll @Size(max = 12) java.util.List<String> values,
                                          @ForAll @IntRange(min = 0, max = 3) int csg,
                                          @ForAll @IntRange(min = 0, max = 3) int nsg, @ForAll boolean transit) {
        StringBuilder sb = new StringBuilder("InitiatorName=iqn.x:i\0TargetName=iqn.2016-06.io.karst:t\0");
        for (int i = 0; i < keysList.size(); i++) {
            sb.append(keysList.get(i)).append('=').append(i < values.size() ? values.get(i) : "").append('\0');
        }
        Login l = new Login(OPEN, TargetLimits.defaults());
        try {
            Login.Response r = l.process(new Login.Request(transit, false, csg, nsg, 0, 0,
                    sb.toString().getBytes(StandardCharsets.UTF_8)));
            assertThat(r.keys()).isNotNull();
            TextKeys.parse(r.keys());
        } catch (LoginException e) {
            assertThat(e.statusClass()).isIn(2, 3);
        }
    }
}
