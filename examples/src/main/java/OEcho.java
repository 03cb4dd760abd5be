/*
 * jOuroboros examples - oecho, the Ouroboros echo program, in Java
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.Ouroboros;
import io.jouroboros.OuroborosException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A simple echo client/server, as Ouroboros's C {@code oecho} and
 * pyOuroboros's {@code oecho.py}: the client allocates a flow to
 * {@code oecho} and sends one message; the server prints it and sends it
 * back.
 *
 * <pre>
 * java -jar target/jouroboros-examples.jar -l &amp;   # server
 * java -jar target/jouroboros-examples.jar        # client
 * </pre>
 *
 * <p>One message is one SDU, read and written with the flow's message view
 * ({@link Flow#readMessage} and {@link Flow#writeMessage}), which is what
 * the other two programs put on the wire: the C client sends
 * {@code "Client says hi!"} with its terminating NUL, the Python client its
 * string without a newline, and each waits for that SDU to come back. So
 * this server answers both, and this client talks to their servers. The
 * server echoes the bytes it got unchanged; both ends print the text
 * without a trailing NUL.
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

    /** The text of an SDU, without the NUL a C program ends its string with. */
    private static String text(ByteBuffer sdu) {
        int n = sdu.remaining();
        while (n > 0 && sdu.get(sdu.position() + n - 1) == 0) {
            n--;
        }
        return new String(sdu.array(), sdu.arrayOffset() + sdu.position(), n, StandardCharsets.UTF_8);
    }

    private static int client(String name) throws IOException {
        try (Flow f = Flow.open(name)) {
            f.writeMessage(ByteBuffer.wrap(MESSAGE.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer sdu = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
            if (f.readMessage(sdu) < 0) {
                System.err.println("oecho: the server closed the flow without an answer");
                return 1;
            }
            String reply = text(sdu.flip());
            System.out.println(reply);
            return reply.equals(MESSAGE) ? 0 : 1;
        }
    }

    private static void server(String name) throws IOException {
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            // Printed once bound: from here on, clients reach this process.
            System.out.println("Starting the server.");
            ByteBuffer sdu = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
            while (true) {
                try (Flow f = server.accept()) {
                    System.out.println("New flow.");
                    sdu.clear();
                    if (f.readMessage(sdu) < 0) {
                        System.out.println("The client left without a message.");
                        continue;
                    }
                    sdu.flip();
                    System.out.println("Message from client is " + text(sdu));
                    f.writeMessage(sdu);
                } catch (IOException e) {
                    // One broken client must not stop the server.
                    System.out.println("Flow failed: " + e);
                }
            }
        }
    }
}
