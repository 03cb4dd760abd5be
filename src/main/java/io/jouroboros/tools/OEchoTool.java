/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.Ouroboros;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code jouroboros oecho}: Ouroboros's {@code oecho}. The client allocates
 * a flow to the name, writes one SDU, {@code "Client says hi!"} with the
 * terminating NUL as the C client does, and prints the SDU that comes back;
 * the server prints each client's SDU and writes it back unchanged. One SDU
 * each way is what the C tool and pyOuroboros's {@code oecho.py} put on the
 * wire, so any of the three can serve any other's client.
 */
final class OEchoTool {
    /** The C client's message; it sends the NUL that ends the C string too. */
    static final String MESSAGE = "Client says hi!";

    private OEchoTool() {
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        ToolSupport.Endpoint opts = new ToolSupport.Endpoint("oecho", MESSAGE);
        int status = opts.read(argv, () -> usage(out));
        if (status != Args.TAKEN) {
            return status;
        }
        try {
            return opts.listen ? server(opts.name, out) : client(opts.name, opts.message, out);
        } catch (IOException e) {
            out.println("Failed: " + e.getMessage());
            return 1;
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: jouroboros oecho [OPTION]...");
        out.println("Sends an echo between a server and a client");
        out.println();
        out.println("  -l, --listen              Run in server mode");
        out.println("  -n, --name NAME           Name to bind (server) or to reach (client), default oecho");
        out.println("  -m, --message TEXT        What the client sends, default \"" + MESSAGE + "\"");
        out.println("      --help                Display this help text and exit");
    }

    /** The text of an SDU, without the NULs that end a C string. */
    static String text(ByteBuffer sdu) {
        int n = sdu.remaining();
        while (n > 0 && sdu.get(sdu.position() + n - 1) == 0) {
            n--;
        }
        return new String(sdu.array(), sdu.arrayOffset() + sdu.position(), n, StandardCharsets.UTF_8);
    }

    private static int client(String name, String message, PrintStream out) throws IOException {
        ByteBuffer sdu = ToolSupport.cString(message);
        try (Flow f = Flow.open(name)) {
            f.writeMessage(sdu);
            ByteBuffer in = ByteBuffer.allocate(f.maxSdu() + 1);
            if (f.readMessage(in) < 0) {
                out.println("Failed to read packet: the server closed the flow.");
                return 1;
            }
            out.println("Server replied with " + text(in.flip()));
            return 0;
        }
    }

    private static int server(String name, PrintStream out) throws IOException {
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            // Printed once bound: from here on, clients reach this process.
            out.println("Starting the server.");
            ByteBuffer sdu = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
            while (true) {
                try (Flow f = server.accept()) {
                    out.println("New flow.");
                    sdu.clear();
                    if (f.readMessage(sdu) < 0) {
                        out.println("Failed to read packet: the client left.");
                        continue;
                    }
                    sdu.flip();
                    out.println("Message from client is " + text(sdu) + ".");
                    f.writeMessage(sdu);
                } catch (IOException e) {
                    // As the C server: one failed client does not stop the server.
                    out.println("Failed: " + e.getMessage());
                }
            }
        }
    }
}
