/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import java.io.PrintStream;
import java.util.function.Consumer;

/**
 * What {@code oping} and {@code operf} share: a client and a server in one
 * command, the options both take ({@code -l}, {@code -n}, {@code -s},
 * {@code -f}, {@code -Q}), and how the command picks its side.
 */
abstract class ClientServerTool {
    final PrintStream out;
    boolean listen;
    String name;
    long size;
    boolean flood;
    boolean quiet;

    ClientServerTool(PrintStream out, long size) {
        this.out = out;
        this.size = size;
    }

    /**
     * Reads the command line, then runs the server, bound to {@code -n} or
     * else {@code defaultName}, or the client, which needs {@code -n}.
     *
     * @return the exit status
     */
    final int run(String[] argv, String defaultName) throws Args.UsageException {
        int status = new Args(argv).options(this::take, this::usage);
        if (status != Args.TAKEN) {
            return status;
        }
        try {
            if (listen) {
                return server(name == null ? defaultName : name);
            }
            if (name == null) {
                out.println("No server specified.");
                usage();
                return 1;
            }
            clientOptions();
            return client();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int take(String o, Args a) throws Args.UsageException {
        if (takeSide(o, a, "--server-name", () -> listen = true, v -> name = v) == Args.TAKEN) {
            return Args.TAKEN;
        }
        switch (o) {
            case "-s":
            case "--size":
                size = a.number(o);
                return Args.TAKEN;
            case "-f":
            case "--flood":
                flood = true;
                return Args.TAKEN;
            case "-Q":
            case "--quiet":
                quiet = true;
                return Args.TAKEN;
            default:
                return option(o, a);
        }
    }

    /**
     * Takes an option that picks a tool's side, as every tool with a server
     * and a client reads them (oping and operf here, oecho and obc through
     * {@link ToolSupport.Endpoint}): {@code -l} or {@code --listen}, the
     * server; {@code -n} or {@code nameOption} (the long form the tool has
     * always taken), the name, given to {@code name}.
     *
     * @return {@link Args#TAKEN}, or {@link Args#UNKNOWN} for another option
     */
    static int takeSide(String o, Args a, String nameOption, Runnable listen, Consumer<String> name)
            throws Args.UsageException {
        if (o.equals("-l") || o.equals("--listen")) {
            listen.run();
            return Args.TAKEN;
        }
        if (o.equals("-n") || o.equals(nameOption)) {
            name.accept(a.value(o));
            return Args.TAKEN;
        }
        return Args.UNKNOWN;
    }

    /** Bounds {@code -s} to the C tool's largest payload, as it does (and says). */
    final void truncateSize(int max) {
        if (size > max) {
            out.printf("Packet size truncated to %d bytes.%n", max);
            size = max;
        }
    }

    /** Takes one of the tool's own options: see {@link Args.Options#take}. */
    abstract int option(String o, Args a) throws Args.UsageException;

    /** Prints the command's help. */
    abstract void usage();

    /** Checks the client's options, bounding those the C tool bounds (and saying so). */
    abstract void clientOptions() throws Args.UsageException;

    /** Runs the client: the exit status. */
    abstract int client() throws InterruptedException;

    /** Runs the server, bound to {@code bindName}: the exit status. */
    abstract int server(String bindName) throws InterruptedException;
}
