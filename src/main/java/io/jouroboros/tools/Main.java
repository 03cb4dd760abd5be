/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@code jouroboros} command: Ouroboros's tools in Java, with the C
 * tools' flags and output and their wire formats, so either end of each can
 * be the C tool, pyOuroboros or this one.
 *
 * <pre>
 * java -jar jouroboros.jar oecho -l          # echo server
 * java -jar jouroboros.jar oping -n NAME     # ping client
 * java -jar jouroboros.jar operf -n NAME     # throughput client
 * java -jar jouroboros.jar selftest          # what runs here, and a round trip
 * </pre>
 *
 * <p>Exit status: 0 when the command did what it was asked, 1 when it
 * failed, 64 for a bad command line.
 */
public final class Main {
    /** Exit status for a bad command line (sysexits' EX_USAGE). */
    static final int USAGE = 64;

    private Main() {
    }

    /**
     * Runs a sub-command and exits with its status.
     *
     * @param args the sub-command and its arguments
     */
    public static void main(String[] args) {
        PrintStream out = stdout();
        int status = run(args, out);
        out.flush();
        System.exit(status);
    }

    /**
     * Runs a sub-command, printing on {@code out}.
     *
     * @param args the sub-command and its arguments
     * @param out where its output goes
     * @return its exit status
     */
    static int run(String[] args, PrintStream out) {
        if (args.length == 0) {
            usage(out);
            return USAGE;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "oecho":
                    return OEchoTool.run(rest, out);
                case "oping":
                    return OPing.run(rest, out);
                case "operf":
                    return OPerf.run(rest, out);
                case "obc":
                    return Obc.run(rest, out);
                case "irm":
                    return IrmTool.run(rest, out);
                case "selftest":
                    return SelfTest.run(rest, out);
                case "-h":
                case "--help":
                case "help":
                    usage(out);
                    return 0;
                default:
                    out.println("jouroboros: unknown command \"" + args[0] + "\".");
                    usage(out);
                    return USAGE;
            }
        } catch (Args.UsageException e) {
            out.println(args[0] + ": " + e.getMessage());
            return USAGE;
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: jouroboros COMMAND [OPTION]...");
        out.println();
        out.println("Ouroboros's tools in Java, with the flags and output of the C tools:");
        out.println("  oecho     echo one message between a client and a server (-l: server)");
        out.println("  oping     round-trip times to an oping server (-l: server; -n NAME: client)");
        out.println("  operf     throughput to an operf server (-l: server; -n NAME: client)");
        out.println("  obc       send to a broadcast layer, or listen to it (-l)");
        out.println("  irm       IPCPs and names of the Ouroboros IRMd (system layer)");
        out.println("  selftest  the platform, the native library, the layers and a round trip on each");
        out.println();
        out.println("COMMAND --help describes its options.");
    }

    /**
     * Standard output in UTF-8 (as the C tools print "µs"), buffered and
     * flushed at each line: one write per line, not one per piece of it
     * (oping's client prints each reply between two reads).
     */
    static PrintStream stdout() {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 13), true,
                StandardCharsets.UTF_8);
    }
}
