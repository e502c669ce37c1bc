package io.karst.rpc.client;

import io.karst.rpc.RpcException;
import io.karst.rpc.json.JsonDecodeException;
import io.karst.rpc.json.JsonValues;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line front end of {@link RpcClient} ({@code bin/karst rpc}): calls one method and prints its result as
 * indented JSON. Exit codes: 0 success, 1 the server answered with an error (printed to standard error), 2 usage,
 * 3 no connection or no answer.
 */
public final class RpcCli {
    static final String USAGE = """
            Usage: rpc [-s SOCKET|HOST] [-p PORT] [-t SECONDS] [-q] <method> [params...]

              -s SOCKET|HOST   Unix domain socket (default /var/tmp/karst.sock), or a host for TCP with -p
              -p PORT          TCP port (the server's tcp.port); without it -s is a socket path
              -t SECONDS       how long to wait for the answer (default 60)
              -q               print nothing on success (errors still go to standard error)

            params, merged in order:
              '{"name": "Malloc1", "num_blocks": 2048}'   a JSON object
              @FILE                                       a JSON object in a file (e.g. a saved configuration)
              -                                           a JSON object on standard input
              name=Malloc1 num_blocks=2048 ...            members; a value that is valid JSON (number, true,
                                                          [..], {..}) is taken as JSON, anything else as a string

            Prints the result as indented JSON; an error response goes to standard error as JSON.
            Exit codes: 0 success, 1 error response, 2 usage, 3 no connection or no answer.
            """;

    private RpcCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        String server = "/var/tmp/karst.sock";
        Integer port = null;
        Duration timeout = RpcClient.DEFAULT_TIMEOUT;
        boolean quiet = false;
        int i = 0;
        try {
            for (; i < args.length && args[i].startsWith("-") && !args[i].equals("-"); i++) {
                switch (args[i]) {
                    case "-s" -> server = value(args, ++i);
                    case "-p" -> port = Integer.parseInt(value(args, ++i));
                    case "-t" -> timeout = Duration.ofMillis((long) (Double.parseDouble(value(args, ++i)) * 1000));
                    case "-q" -> quiet = true;
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (i >= args.length) {
                throw new IllegalArgumentException("no method given");
            }
        } catch (IllegalArgumentException e) {
            err.println("rpc: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        String method = args[i];
        Map<String, Object> params;
        try {
            params = params(List.of(args).subList(i + 1, args.length));
        } catch (IllegalArgumentException | IOException e) {
            err.println("rpc: " + e.getMessage());
            return 2;
        }
        try (RpcClient client = port == null ? RpcClient.connect(Path.of(server)) : RpcClient.connectTcp(server, port)) {
            client.timeout(timeout);
            Object result = client.call(method, params);
            if (!quiet) {
                out.println(JsonValues.writePretty(result));
            }
            return 0;
        } catch (RpcException e) {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", e.code());
            error.put("message", e.getMessage());
            if (e.data() != null) {
                error.put("data", e.data());
            }
            err.println(JsonValues.writePretty(error));
            return 1;
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            boolean down = m.contains("onnection refused") || m.contains("No such file");
            err.println("rpc: " + (port == null ? "socket " + server : server + ":" + port) + ": " + m
                    + (down ? " (is Karst running?)" : ""));
            return 3;
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + args[i - 1] + " needs a value");
        }
        return args[i];
    }

    /**
     * The params object from the arguments after the method, merged in order: JSON objects, {@code @FILE} (a JSON
     * object in a file), {@code -} (one on standard input), and {@code name=value} members (a value that parses as
     * JSON is taken as JSON, anything else as a string); {@code null} for no arguments.
     *
     * @throws IllegalArgumentException arguments of none of these forms, or JSON that is not an object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> params(List<String> args) throws IOException {
        if (args.isEmpty()) {
            return null;
        }
        Map<String, Object> params = new LinkedHashMap<>();
        for (String a : args) {
            String json = null;
            String source = a;
            if (a.equals("-")) {
                json = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                source = "standard input";
            } else if (a.startsWith("@")) {
                json = Files.readString(Path.of(a.substring(1)));
                source = a.substring(1);
            } else if (a.trim().startsWith("{")) {
                json = a;
                source = "the params";
            }
            if (json != null) {
                Object value;
                try {
                    value = JsonValues.parse(json);
                } catch (JsonDecodeException e) {
                    throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage());
                }
                if (!(value instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException(source + ": params must be a JSON object");
                }
                params.putAll((Map<String, Object>) m);
                continue;
            }
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value, a JSON object, @FILE or -, not '" + a + "'");
            }
            String text = a.substring(eq + 1);
            Object value;
            try {
                value = JsonValues.parse(text);
            } catch (JsonDecodeException e) {
                value = text;
            }
            params.put(a.substring(0, eq), value);
        }
        return params;
    }
}
