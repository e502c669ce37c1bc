package io.karst.iscsi.internal.login;

import io.karst.iscsi.internal.login.AuthPolicy.ChapCredential;
import io.karst.iscsi.internal.login.TextKeys.Pair;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The login phase of one connection (RFC 7143 6): stages, text negotiation of the operational keys, and CHAP
 * (one-way and mutual). Pure: it sees parsed login requests and produces the response's keys and flags; the
 * connection handler does the bytes. Nothing secret is ever put into a message or log.
 */
public final class Login {
    public static final int STAGE_SECURITY = 0;
    public static final int STAGE_OPERATIONAL = 1;
    public static final int STAGE_FULL_FEATURE = 3;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> SECURITY_KEYS = Set.of("AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N",
            "CHAP_R");
    private static final Set<String> DISCOVERY_IRRELEVANT = Set.of("MaxConnections", "InitialR2T", "ImmediateData",
            "MaxBurstLength", "FirstBurstLength", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder");

    /** A parsed Login Request. */
    public record Request(boolean transit, boolean cont, int csg, int nsg, int versionMax, int versionMin,
                          byte[] keys) {
    }

    /** What to answer: flags, stages and keys; {@code complete} when the connection enters full feature phase. */
    public record Response(boolean transit, int csg, int nsg, byte[] keys, boolean complete) {
    }

    private final LoginDirectory directory;
    private final TargetLimits limits;
    private final SessionParams params = new SessionParams();
    private final Set<String> negotiated = new HashSet<>();
    private final byte[] pendingText = new byte[0];
    private byte[] partial = new byte[0];
    private boolean first = true;
    private boolean discovery;
    private String initiatorName;
    private String initiatorAlias;
    private String targetName;
    private AuthPolicy policy;
    private String authMethod;
    private boolean authenticated;
    private int chapState; // 0 none, 1 algorithm negotiated and challenge sent
    private int chapId;
    private byte[] chapChallenge;
    private String chapUser;
    private int stage = STAGE_SECURITY;
    private boolean declaredMaxRecv;

    public Login(LoginDirectory directory, TargetLimits limits) {
        this.directory = directory;
        this.limits = limits;
    }

    public SessionParams params() {
        return params;
    }

    public boolean discovery() {
        return discovery;
    }

    public String initiatorName() {
        return initiatorName;
    }

    public String initiatorAlias() {
        return initiatorAlias;
    }

    public String targetName() {
        return targetName;
    }

    /** The authenticated CHAP user, or null when the session did not use CHAP. */
    public String chapUser() {
        return authenticated && "CHAP".equals(authMethod) ? chapUser : null;
    }

    /** Processes one Login Request. */
    public Response process(Request req) throws LoginException {
        if (req.versionMin() > 0 || req.versionMax() < 0) {
            throw new LoginException(LoginException.UNSUPPORTED_VERSION, "unsupported iSCSI version range "
                    + req.versionMin() + ".." + req.versionMax());
        }
        if (req.csg() != stage && !(first && req.csg() == STAGE_OPERATIONAL)) {
            if (req.csg() == 2 || req.csg() == STAGE_FULL_FEATURE || req.csg() < stage) {
                throw new LoginException(LoginException.INITIATOR_ERROR, "login request in stage " + req.csg()
                        + " while in stage " + stage);
            }
        }
        if (req.transit() && (req.nsg() <= req.csg() || req.nsg() == 2)) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "invalid next stage " + req.nsg()
                    + " from stage " + req.csg());
        }
        if (req.transit() && req.cont()) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "T and C bits both set");
        }
        // text continuation: gather until the C bit clears
        byte[] keys = concat(partial, req.keys());
        if (req.cont()) {
            if (keys.length > 64 * 1024) {
                throw new LoginException(LoginException.OUT_OF_RESOURCES, "login text too long");
            }
            partial = keys;
            return new Response(false, req.csg(), 0, new byte[0], false);
        }
        partial = new byte[0];
        List<Pair> pairs;
        try {
            pairs = TextKeys.parse(keys);
        } catch (IllegalArgumentException e) {
            throw new LoginException(LoginException.INITIATOR_ERROR, e.getMessage());
        }
        Map<String, String> offered = new LinkedHashMap<>();
        for (Pair p : pairs) {
            if (offered.put(p.key(), p.value()) != null) {
                throw new LoginException(LoginException.INITIATOR_ERROR, "key " + p.key() + " sent twice");
            }
        }
        List<Pair> out = new ArrayList<>();
        if (first) {
            firstRequest(offered, out);
        }
        stage = req.csg() == STAGE_OPERATIONAL ? STAGE_OPERATIONAL : stage;
        if (req.csg() == STAGE_OPERATIONAL && !authenticated) {
            requireAuthenticationDone();
        }
        for (Map.Entry<String, String> e : offered.entrySet()) {
            String k = e.getKey();
            String v = e.getValue();
            if (k.equals("InitiatorName") || k.equals("InitiatorAlias") || k.equals("TargetName")
                    || k.equals("SessionType")) {
                continue; // handled with the first request (declarative)
            }
            if (SECURITY_KEYS.contains(k)) {
                if (req.csg() != STAGE_SECURITY) {
                    throw new LoginException(LoginException.INITIATOR_ERROR, k + " outside security negotiation");
                }
                continue;
            }
            negotiate(k, v, out);
        }
        if (req.csg() == STAGE_SECURITY) {
            security(offered, out);
        }
        boolean transit = false;
        int nsg = 0;
        if (req.transit()) {
            if (req.csg() == STAGE_SECURITY && !authenticated) {
                transit = false; // CHAP still going on: stay
                nsg = 0;
            } else {
                transit = true;
                nsg = req.nsg();
            }
        }
        if ((req.csg() == STAGE_OPERATIONAL || (transit && nsg == STAGE_OPERATIONAL)) && !declaredMaxRecv
                && req.csg() == STAGE_OPERATIONAL) {
            declareMaxRecv(out);
        }
        boolean complete = transit && nsg == STAGE_FULL_FEATURE;
        if (transit) {
            stage = nsg;
        }
        if (complete) {
            params.firstBurstLength = Math.min(params.firstBurstLength, params.maxBurstLength);
            params.targetMaxRecvDataSegmentLength = declaredMaxRecv ? limits.maxRecvDataSegmentLength() : 8192;
        }
        return new Response(transit, req.csg(), nsg, TextKeys.encode(out), complete);
    }

    private void declareMaxRecv(List<Pair> out) {
        declaredMaxRecv = true;
        out.add(new Pair("MaxRecvDataSegmentLength", Integer.toString(limits.maxRecvDataSegmentLength())));
    }

    private void firstRequest(Map<String, String> offered, List<Pair> out) throws LoginException {
        first = false;
        initiatorName = offered.get("InitiatorName");
        if (initiatorName == null || initiatorName.isEmpty()) {
            throw new LoginException(LoginException.MISSING_PARAMETER, "no InitiatorName in the first login request");
        }
        initiatorAlias = offered.get("InitiatorAlias");
        String type = offered.getOrDefault("SessionType", "Normal");
        if (type.equals("Discovery")) {
            discovery = true;
            policy = directory.discoveryPolicy();
        } else if (type.equals("Normal")) {
            targetName = offered.get("TargetName");
            if (targetName == null || targetName.isEmpty()) {
                throw new LoginException(LoginException.MISSING_PARAMETER, "no TargetName for a normal session");
            }
            policy = directory.authorize(targetName, initiatorName);
            String alias = directory.targetAlias(targetName);
            if (alias != null && !alias.isEmpty()) {
                out.add(new Pair("TargetAlias", alias));
            }
        } else {
            throw new LoginException(LoginException.SESSION_TYPE_NOT_SUPPORTED, "session type " + type);
        }
        out.add(new Pair("TargetPortalGroupTag", Integer.toString(directory.portalGroupTag())));
    }

    private void requireAuthenticationDone() throws LoginException {
        if (policy.requireChap()) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE,
                    "CHAP is required but the initiator skipped security negotiation");
        }
        authenticated = true;
        authMethod = "None";
    }

    // ------------------------------------------------------------------------------------------------ security

    private void security(Map<String, String> offered, List<Pair> out) throws LoginException {
        String methods = offered.get("AuthMethod");
        if (methods != null) {
            if (authMethod != null) {
                throw new LoginException(LoginException.INITIATOR_ERROR, "AuthMethod negotiated twice");
            }
            String chosen = null;
            List<String> offeredMethods = List.of(methods.split(","));
            boolean preferNone = !policy.requireChap() && !policy.chapConfigured() && offeredMethods.contains("None");
            for (String m : offeredMethods) {
                if (m.equals("CHAP") && !policy.disableChap() && !preferNone) {
                    chosen = "CHAP";
                    break;
                }
                if (m.equals("None") && !policy.requireChap()) {
                    chosen = "None";
                    break;
                }
            }
            if (chosen == null) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "no acceptable AuthMethod in "
                        + methods + (policy.requireChap() ? " (CHAP required)" : " (CHAP disabled)"));
            }
            authMethod = chosen;
            out.add(new Pair("AuthMethod", chosen));
            if (chosen.equals("None")) {
                authenticated = true;
            }
            return;
        }
        if (authMethod == null) {
            // no AuthMethod offered: RFC default is None
            if (policy.requireChap()) {
                if (offered.containsKey("CHAP_A") || offered.containsKey("CHAP_N")) {
                    throw new LoginException(LoginException.INITIATOR_ERROR, "CHAP keys before AuthMethod");
                }
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE,
                        "CHAP is required but the initiator offered no AuthMethod");
            }
            authMethod = "None";
            authenticated = true;
            return;
        }
        if (!authMethod.equals("CHAP")) {
            return;
        }
        if (chapState == 0) {
            String algs = offered.get("CHAP_A");
            if (algs == null) {
                if (!offered.isEmpty()) {
                    throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP_A expected");
                }
                return;
            }
            boolean md5 = false;
            for (String a : algs.split(",")) {
                md5 |= a.trim().equals("5");
            }
            if (!md5) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "no supported CHAP algorithm in "
                        + algs + " (MD5 = 5 only)");
            }
            chapId = RANDOM.nextInt(256);
            chapChallenge = new byte[16];
            RANDOM.nextBytes(chapChallenge);
            chapState = 1;
            out.add(new Pair("CHAP_A", "5"));
            out.add(new Pair("CHAP_I", Integer.toString(chapId)));
            out.add(new Pair("CHAP_C", "0x" + HexFormat.of().formatHex(chapChallenge)));
            return;
        }
        String name = offered.get("CHAP_N");
        String response = offered.get("CHAP_R");
        if (name == null || response == null) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP_N and CHAP_R expected");
        }
        chapUser = name;
        ChapCredential cred = policy.secrets().apply(name).orElse(null);
        if (cred == null) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP user " + name + " is unknown");
        }
        byte[] got = decodeBinary(response);
        byte[] expected = chapResponse(chapId, cred.secret(), chapChallenge);
        if (got == null || !MessageDigest.isEqual(got, expected)) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "CHAP response of user " + name
                    + " is wrong");
        }
        String mutualId = offered.get("CHAP_I");
        String mutualChallenge = offered.get("CHAP_C");
        if (mutualId != null || mutualChallenge != null) {
            if (mutualId == null || mutualChallenge == null) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "mutual CHAP needs CHAP_I and CHAP_C");
            }
            if (cred.mutualUser() == null || cred.mutualSecret() == null) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE,
                        "mutual CHAP asked but no target secret is configured for user " + name);
            }
            int id;
            try {
                id = Integer.parseInt(mutualId.startsWith("0x") ? mutualId.substring(2) : mutualId,
                        mutualId.startsWith("0x") ? 16 : 10);
            } catch (NumberFormatException e) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "invalid CHAP_I");
            }
            byte[] challenge = decodeBinary(mutualChallenge);
            if (id < 0 || id > 255 || challenge == null || challenge.length == 0) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "invalid mutual CHAP challenge");
            }
            if (MessageDigest.isEqual(challenge, chapChallenge)) {
                throw new LoginException(LoginException.AUTHENTICATION_FAILURE, "reflected CHAP challenge");
            }
            out.add(new Pair("CHAP_N", cred.mutualUser()));
            out.add(new Pair("CHAP_R", "0x" + HexFormat.of().formatHex(chapResponse(id, cred.mutualSecret(),
                    challenge))));
        } else if (policy.mutualChap()) {
            throw new LoginException(LoginException.AUTHENTICATION_FAILURE,
                    "mutual CHAP is required but the initiator sent no challenge");
        }
        authenticated = true;
        chapState = 2;
    }

    /** MD5(id || secret || challenge), RFC 1994. */
    public static byte[] chapResponse(int id, String secret, byte[] challenge) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update((byte) id);
            md5.update(secret.getBytes(StandardCharsets.UTF_8));
            md5.update(challenge);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Decodes an iSCSI binary value: 0x hex or 0b base64; null when malformed. */
    public static byte[] decodeBinary(String v) {
        try {
            if (v.startsWith("0x") || v.startsWith("0X")) {
                String hex = v.substring(2);
                if (hex.length() % 2 == 1) {
                    hex = "0" + hex;
                }
                return HexFormat.of().parseHex(hex);
            }
            if (v.startsWith("0b") || v.startsWith("0B")) {
                return Base64.getDecoder().decode(v.substring(2));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ operational

    private void negotiate(String key, String value, List<Pair> out) throws LoginException {
        if (!negotiated.add(key)) {
            throw new LoginException(LoginException.INITIATOR_ERROR, "key " + key + " negotiated twice");
        }
        if (discovery && DISCOVERY_IRRELEVANT.contains(key)) {
            out.add(new Pair(key, "Irrelevant"));
            return;
        }
        switch (key) {
            case "HeaderDigest", "DataDigest" -> {
                String chosen = null;
                for (String m : value.split(",")) {
                    if (m.equalsIgnoreCase("CRC32C") || m.equalsIgnoreCase("None")) {
                        chosen = m.equalsIgnoreCase("CRC32C") ? "CRC32C" : "None";
                        break;
                    }
                }
                if (chosen == null) {
                    out.add(new Pair(key, "Reject"));
                    return;
                }
                if (key.equals("HeaderDigest")) {
                    params.headerDigest = chosen.equals("CRC32C");
                } else {
                    params.dataDigest = chosen.equals("CRC32C");
                }
                out.add(new Pair(key, chosen));
            }
            case "MaxConnections" -> numeric(key, value, 1, 65535, out, v -> params.maxConnections = Math.min(v, 1));
            case "InitialR2T" -> bool(key, value, out, v -> params.initialR2T = v || limits.initialR2T());
            case "ImmediateData" -> bool(key, value, out, v -> params.immediateData = v && limits.immediateData());
            case "MaxRecvDataSegmentLength" -> {
                Integer v = parseNumber(value, 512, 16777215);
                if (v == null) {
                    out.add(new Pair(key, "Reject"));
                    return;
                }
                params.initiatorMaxRecvDataSegmentLength = v;
                if (!declaredMaxRecv) {
                    declareMaxRecv(out);
                }
            }
            case "MaxBurstLength" -> numeric(key, value, 512, 16777215, out,
                    v -> params.maxBurstLength = Math.min(v, limits.maxBurstLength()));
            case "FirstBurstLength" -> numeric(key, value, 512, 16777215, out,
                    v -> params.firstBurstLength = Math.min(v, limits.firstBurstLength()));
            case "DefaultTime2Wait" -> numeric(key, value, 0, 3600, out,
                    v -> params.defaultTime2Wait = Math.max(v, limits.defaultTime2Wait()));
            case "DefaultTime2Retain" -> numeric(key, value, 0, 3600, out,
                    v -> params.defaultTime2Retain = Math.min(v, limits.defaultTime2Retain()));
            case "MaxOutstandingR2T" -> numeric(key, value, 1, 65535, out,
                    v -> params.maxOutstandingR2T = Math.min(v, limits.maxOutstandingR2T()));
            case "DataPDUInOrder" -> bool(key, value, out, v -> params.dataPduInOrder = true);
            case "DataSequenceInOrder" -> bool(key, value, out, v -> params.dataSequenceInOrder = true);
            case "ErrorRecoveryLevel" -> numeric(key, value, 0, 2, out, v -> params.errorRecoveryLevel = 0);
            case "IFMarker", "OFMarker" -> bool(key, value, out, v -> { });
            case "IFMarkInt", "OFMarkInt" -> out.add(new Pair(key, "Irrelevant"));
            case "iSCSIProtocolLevel" -> numeric(key, value, 0, 31, out, v -> { });
            case "TaskReporting" -> out.add(new Pair(key, "RFC3720"));
            default -> out.add(new Pair(key, "NotUnderstood"));
        }
    }

    private interface IntSetter {
        void set(int v);
    }

    private interface BoolSetter {
        void set(boolean v);
    }

    private void numeric(String key, String value, int min, int max, List<Pair> out, IntSetter setter) {
        Integer v = parseNumber(value, min, max);
        if (v == null) {
            out.add(new Pair(key, "Reject"));
            return;
        }
        setter.set(v);
        int result = switch (key) {
            case "MaxConnections" -> params.maxConnections;
            case "MaxBurstLength" -> params.maxBurstLength;
            case "FirstBurstLength" -> params.firstBurstLength;
            case "DefaultTime2Wait" -> params.defaultTime2Wait;
            case "DefaultTime2Retain" -> params.defaultTime2Retain;
            case "MaxOutstandingR2T" -> params.maxOutstandingR2T;
            case "ErrorRecoveryLevel" -> params.errorRecoveryLevel;
            case "iSCSIProtocolLevel" -> Math.min(v, 1);
            default -> v;
        };
        out.add(new Pair(key, Integer.toString(result)));
    }

    private void bool(String key, String value, List<Pair> out, BoolSetter setter) {
        boolean v;
        if (value.equals("Yes")) {
            v = true;
        } else if (value.equals("No")) {
            v = false;
        } else {
            out.add(new Pair(key, "Reject"));
            return;
        }
        setter.set(v);
        boolean result = switch (key) {
            case "InitialR2T" -> params.initialR2T;
            case "ImmediateData" -> params.immediateData;
            case "DataPDUInOrder" -> params.dataPduInOrder;
            case "DataSequenceInOrder" -> params.dataSequenceInOrder;
            default -> false; // markers: not supported
        };
        out.add(new Pair(key, SessionParams.yes(result)));
    }

    private static Integer parseNumber(String value, int min, int max) {
        try {
            long v;
            if (value.startsWith("0x") || value.startsWith("0X")) {
                v = Long.parseLong(value.substring(2), 16);
            } else {
                if (value.isEmpty() || value.length() > 12) {
                    return null;
                }
                v = Long.parseLong(value);
            }
            if (v < min || v > max) {
                return null;
            }
            return (int) v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Case-insensitive lookup helper for tests and logs. */
    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
