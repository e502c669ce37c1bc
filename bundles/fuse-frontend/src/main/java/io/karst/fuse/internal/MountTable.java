package io.karst.fuse.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mounts of this process's namespace, from {@code /proc/self/mountinfo} (proc(5)). */
final class MountTable {
    /** One line of mountinfo: the fields the frontend uses. */
    record Mount(int id, String device, String mountPoint, String type, String source) {
        /** The minor number of an anonymous device ({@code 0:NN}): a FUSE connection's number in fusectl. */
        int minor() {
            int colon = device.indexOf(':');
            try {
                return colon < 0 ? -1 : Integer.parseInt(device.substring(colon + 1));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    private MountTable() {
    }

    static List<Mount> read() throws IOException {
        return parse(Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8));
    }

    /** Parses mountinfo text; lines that do not have the format are skipped. */
    static List<Mount> parse(String text) {
        List<Mount> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ");
            // id parent major:minor root mount-point options [optional...] - type source super-options
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 10 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            try {
                out.add(new Mount(Integer.parseInt(f[0]), f[2], unescape(f[4]), unescape(f[dash + 1]),
                        unescape(f[dash + 2])));
            } catch (NumberFormatException e) {
                // not a mountinfo line
            }
        }
        return out;
    }

    /** The mounts whose mount point is {@code path}, the topmost last. */
    static List<Mount> at(List<Mount> mounts, Path path) {
        String p = path.toAbsolutePath().normalize().toString();
        return mounts.stream().filter(m -> m.mountPoint().equals(p)).toList();
    }

    /** Undoes the kernel's octal escapes of space, tab, newline and backslash ({@code \040} ...). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() + 0 && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }

    /** Escapes a path as mountinfo shows it. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
                sb.append('\\').append(String.format("%03o", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
