package io.karst.distribution;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The administrator credential of one Karst instance: a random password and an SSH key pair for
 * the user {@code admin}, created once, on the first start of the instance.
 *
 * <p>Files, all in the instance's {@code etc/} directory:
 * <ul>
 *   <li>{@code karst-admin.properties} (0600): user name, password and key file name;</li>
 *   <li>{@code karst-admin.key} (0600): the private key, PKCS#8 PEM, read by both Karaf's
 *       {@code bin/client -k} and OpenSSH's {@code ssh -i};</li>
 *   <li>{@code karst-admin.key.pub}: the public key in OpenSSH's one-line format;</li>
 *   <li>{@code users.properties} and {@code keys.properties} (0600): the JAAS realm entries.</li>
 * </ul>
 *
 * <p>Usage: {@code java -cp karst-tools.jar io.karst.distribution.AdminCredential init <etc-dir>}.
 * While {@code karst-admin.properties} exists, running it again only puts the admin entries back
 * into users.properties and keys.properties if they are missing. Prints the path of the
 * credential file on standard output.
 */
public final class AdminCredential {

    static final String USER = "admin";
    static final String GROUP = "admingroup";
    static final String GROUP_ROLES = "group,admin,manager,viewer,systembundles,ssh";
    static final String CREDENTIAL_FILE = "karst-admin.properties";
    static final String KEY_FILE = "karst-admin.key";
    static final String PUBLIC_KEY_FILE = "karst-admin.key.pub";

    private static final String PASSWORD_ALPHABET =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final int PASSWORD_LENGTH = 24;
    private static final int RSA_BITS = 3072;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> WORLD_READABLE = PosixFilePermissions.fromString("rw-r--r--");

    private final Path etc;
    private final SecureRandom random;

    AdminCredential(Path etc, SecureRandom random) {
        this.etc = etc;
        this.random = random;
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (args.length != 2 || !"init".equals(args[0])) {
            System.err.println("usage: AdminCredential init <etc-dir>");
            System.exit(2);
        }
        try {
            AdminCredential credential = new AdminCredential(Path.of(args[1]).toAbsolutePath(), new SecureRandom());
            boolean created = credential.ensure();
            out.println((created ? "created " : "exists ") + credential.credentialFile());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            System.err.println("karst: cannot create the admin credential in " + args[1] + ": " + e);
            System.exit(1);
        }
    }

    Path credentialFile() {
        return etc.resolve(CREDENTIAL_FILE);
    }

    /** Creates the credential unless it exists; returns whether it created it. */
    boolean ensure() throws IOException, GeneralSecurityException {
        if (!Files.isDirectory(etc)) {
            throw new IOException("not a directory: " + etc);
        }
        if (Files.exists(credentialFile())) {
            reregister();
            return false;
        }
        String password = newPassword();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(RSA_BITS, random);
        KeyPair keyPair = generator.generateKeyPair();
        String publicKey = openSshPublicKey((RSAPublicKey) keyPair.getPublic());

        writeFile(etc.resolve(KEY_FILE), pem("PRIVATE KEY", keyPair.getPrivate().getEncoded()), OWNER_ONLY);
        writeFile(etc.resolve(PUBLIC_KEY_FILE), "ssh-rsa " + publicKey + " " + USER + "@karst\n", WORLD_READABLE);
        registerUser(etc.resolve("users.properties"), password);
        registerUser(etc.resolve("keys.properties"), publicKey);
        // written last: its presence means "done"
        writeFile(credentialFile(), String.join("\n",
                "# Administrator credential of this Karst instance, created on its first start.",
                "# SSH:  bin/karst shell '<command>'   (uses the key below)",
                "#       ssh -i etc/" + KEY_FILE + " -p <ssh port> " + USER + "@127.0.0.1",
                "# JMX:  user and password below",
                "user = " + USER,
                "password = " + password,
                "key = " + KEY_FILE,
                ""), OWNER_ONLY);
        return true;
    }

    /**
     * Puts an existing credential back into users.properties and keys.properties where their
     * admin entry is missing (e.g. after those files were replaced by a new build or by hand).
     */
    void reregister() throws IOException {
        java.util.Properties credential = new java.util.Properties();
        try (var in = Files.newInputStream(credentialFile())) {
            credential.load(in);
        }
        String password = credential.getProperty("password", "");
        if (!password.isEmpty() && !hasUser(etc.resolve("users.properties"))) {
            registerUser(etc.resolve("users.properties"), password);
        }
        Path publicKey = etc.resolve(PUBLIC_KEY_FILE);
        if (Files.exists(publicKey) && !hasUser(etc.resolve("keys.properties"))) {
            String[] parts = Files.readString(publicKey, StandardCharsets.US_ASCII).trim().split("\\s+");
            if (parts.length >= 2) {
                registerUser(etc.resolve("keys.properties"), parts[1]);
            }
        }
    }

    static boolean hasUser(Path file) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (USER.equals(propertyKey(line))) {
                return true;
            }
        }
        return false;
    }

    String newPassword() {
        StringBuilder sb = new StringBuilder(PASSWORD_LENGTH);
        for (int i = 0; i < PASSWORD_LENGTH; i++) {
            sb.append(PASSWORD_ALPHABET.charAt(random.nextInt(PASSWORD_ALPHABET.length())));
        }
        return sb.toString();
    }

    /** The base64 blob of an RSA public key in the SSH wire format (RFC 4253, section 6.6). */
    static String openSshPublicKey(RSAPublicKey key) {
        byte[] type = "ssh-rsa".getBytes(StandardCharsets.US_ASCII);
        byte[] e = key.getPublicExponent().toByteArray();
        byte[] n = key.getModulus().toByteArray();
        ByteBuffer buf = ByteBuffer.allocate(12 + type.length + e.length + n.length);
        buf.putInt(type.length).put(type);
        buf.putInt(e.length).put(e);
        buf.putInt(n.length).put(n);
        return Base64.getEncoder().encodeToString(buf.array());
    }

    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /**
     * Sets the entry of {@link #USER} in a JAAS properties file (users.properties or
     * keys.properties) and makes sure the admin group is defined; other lines stay as they are.
     */
    static void registerUser(Path file, String secret) throws IOException {
        List<String> kept = new ArrayList<>();
        boolean groupDefined = false;
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                String key = propertyKey(line);
                if (USER.equals(key)) {
                    continue;
                }
                if (("_g_:" + GROUP).equals(key)) {
                    groupDefined = true;
                }
                kept.add(line);
            }
        }
        if (!groupDefined) {
            kept.add("_g_\\:" + GROUP + " = " + GROUP_ROLES);
        }
        kept.add(USER + " = " + secret + ",_g_:" + GROUP);
        writeFile(file, String.join("\n", kept) + "\n", OWNER_ONLY);
    }

    /** The unescaped key of a java.util.Properties line, or null for comments and blank lines. */
    static String propertyKey(String line) {
        String s = line.stripLeading();
        if (s.isEmpty() || s.charAt(0) == '#' || s.charAt(0) == '!') {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                key.append(s.charAt(++i));
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                break;
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    /** Writes through a temporary file created with its final permissions, then renames it. */
    static void writeFile(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, attr);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create " + tmp, e);
        }
        Files.writeString(tmp, content, StandardCharsets.ISO_8859_1, StandardOpenOption.TRUNCATE_EXISTING);
        Files.setPosixFilePermissions(tmp, permissions);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
