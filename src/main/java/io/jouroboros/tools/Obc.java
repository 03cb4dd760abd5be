/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;

/**
 * {@code jouroboros obc}: Ouroboros's {@code obc}. Joins a broadcast layer
 * ({@code -n NAME}); with {@code -l} it prints every SDU a member sends,
 * else it sends one SDU ({@code -m MESSAGE}, with the terminating NUL as the
 * C tool sends it) and leaves.
 */
final class Obc {
    static final String MESSAGE = "Ouroboros multicast rocks!";

    private Obc() {
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        ToolSupport.Endpoint opts = new ToolSupport.Endpoint(null, MESSAGE);
        int status = opts.read(argv, () -> usage(out));
        if (status != Args.TAKEN) {
            return status;
        }
        if (opts.name == null) {
            out.println("Please specify a name.");
            out.println();
            usage(out);
            return 1;
        }
        return opts.listen ? reader(opts.name, out) : writer(opts.name, opts.message, out);
    }

    private static void usage(PrintStream out) {
        out.println("Usage: jouroboros obc [OPTION]...");
        out.println("Sends a message to a broadcast network");
        out.println();
        out.println("  -n --name                 Name of the broadcast layer");
        out.println("  -m --message              A message to send");
        out.println("  [-l, --listen             Listen mode]");
        out.println("      --help                Display this help text and exit");
    }

    private static int reader(String name, PrintStream out) {
        out.println("Starting a reader.");
        Flow f;
        try {
            f = Flow.join(name);
        } catch (IOException e) {
            out.println("Failed to join broadcast: " + e.getMessage() + ".");
            return 1;
        }
        out.println("New flow.");
        try (f) {
            ByteBuffer sdu = ByteBuffer.allocate(f.maxSdu() + 1);
            while (true) {
                sdu.clear();
                if (f.readMessage(sdu) < 0) {
                    out.println("Failed to read: the layer is gone.");
                    return 1;
                }
                out.println("Message is " + OEchoTool.text(sdu.flip()) + ".");
            }
        } catch (IOException e) {
            out.println("Failed to read: " + e.getMessage() + ".");
            return 1;
        }
    }

    private static int writer(String name, String message, PrintStream out) {
        ByteBuffer sdu = ToolSupport.cString(message);
        try (Flow f = Flow.join(name)) {
            f.writeMessage(sdu);
            return 0;
        } catch (IOException e) {
            out.println("Failed to write packet: " + e.getMessage() + ".");
            return 1;
        }
    }
}
