/*
 * jOuroboros examples - oecho, the Ouroboros echo program, in Java
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.OuroborosException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;

/**
 * A simple echo client/server, as pyOuroboros's {@code oecho.py}: the client
 * allocates a flow to {@code oecho} and sends a line; the server prints it
 * and sends it back.
 *
 * <pre>
 * java -jar target/jouroboros-examples.jar -l &amp;   # server
 * java -jar target/jouroboros-examples.jar        # client
 * </pre>
 *
 * <p>Both ends wrap the flow with {@link Channels#newReader} and
 * {@link Channels#newWriter}. These wrappers lock the channel while they use
 * it, so one thread reads and writes through them in turn; never read in one
 * thread and write in another through them.
 */
public final class OEcho {
    private static final String MESSAGE = "Hello, jOuroboros!";

    private OEcho() {
    }

    public static void main(String[] args) throws IOException {
        boolean listen = false;
        String name = "oecho";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-l":
                case "--listen":
                    listen = true;
                    break;
                case "-n":
                case "--name":
                    if (i + 1 == args.length) {
                        usage("missing name after " + args[i]);
                    }
                    name = args[++i];
                    break;
                case "-h":
                case "--help":
                    usage(null);
                    break;
                default:
                    usage("unknown argument: " + args[i]);
            }
        }
        try {
            if (listen) {
                server(name);
            } else {
                System.exit(client(name));
            }
        } catch (OuroborosException e) {
            // The typed error says what went wrong, e.g. ENAME: nobody is bound to the name.
            System.err.println("oecho: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("oecho: " + error);
        }
        System.err.println("usage: OEcho [-l|--listen] [-n|--name NAME]");
        System.err.println("  -l, --listen     run as a server");
        System.err.println("  -n, --name NAME  the name to bind or to reach (default: oecho)");
        System.exit(error == null ? 0 : 64);
    }

    private static int client(String name) throws IOException {
        try (Flow f = Flow.open(name)) {
            BufferedReader in = new BufferedReader(Channels.newReader(f, StandardCharsets.UTF_8));
            Writer out = Channels.newWriter(f, StandardCharsets.UTF_8);
            out.write(MESSAGE + "\n");
            out.flush();
            String line = in.readLine();
            if (line == null) {
                System.err.println("oecho: the server closed the flow without an answer");
                return 1;
            }
            System.out.println(line);
            return line.equals(MESSAGE) ? 0 : 1;
        }
    }

    private static void server(String name) throws IOException {
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            // Printed once bound: from here on, clients reach this process.
            System.out.println("Starting the server.");
            while (true) {
                try (Flow f = server.accept()) {
                    System.out.println("New flow.");
                    BufferedReader in = new BufferedReader(Channels.newReader(f, StandardCharsets.UTF_8));
                    Writer out = Channels.newWriter(f, StandardCharsets.UTF_8);
                    String line = in.readLine();
                    if (line == null) {
                        System.out.println("The client left without a message.");
                        continue;
                    }
                    System.out.println("Message from client is " + line);
                    out.write(line + "\n");
                    out.flush();
                } catch (IOException e) {
                    // One broken client must not stop the server.
                    System.out.println("Flow failed: " + e);
                }
            }
        }
    }
}
