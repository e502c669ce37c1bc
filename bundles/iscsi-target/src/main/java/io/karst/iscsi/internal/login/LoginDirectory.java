package io.karst.iscsi.internal.login;

/** What a login needs to know about the target side; implemented by the target over its configuration. */
public interface LoginDirectory {
    /** The tag of the portal group the connection arrived through. */
    int portalGroupTag();

    /**
     * Checks that the initiator may log in to the target through this portal group, and returns the target's
     * authentication policy.
     *
     * @throws LoginException NOT_FOUND (no such target, or not reachable through this portal group),
     *                        AUTHORIZATION_FAILURE (the initiator is not in an allowed initiator group),
     *                        TARGET_REMOVED
     */
    AuthPolicy authorize(String targetName, String initiatorName) throws LoginException;

    /** The authentication policy of discovery sessions. */
    AuthPolicy discoveryPolicy();

    /** The alias a target presents (TargetAlias), or null. */
    String targetAlias(String targetName);
}
