/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.LayerUnavailableException;
import io.jouroboros.Ouroboros;
import io.jouroboros.QoSSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code jouroboros selftest}: the first thing to run when something does
 * not work. Prints the platform, where the native library was loaded from
 * (or why it could not be, with every cause), the layer this process picks
 * and its largest SDU; then, for each layer, a JVM of its own on that layer
 * sends a message around inside itself (a flow from a client to a server
 * thread of that JVM) and tells how it went.
 *
 * <p>Exit status: 0 when every layer that is available made its round trip
 * (a system layer without an IRMd is not available, and not a failure);
 * 1 when one failed; 2 when the native library cannot load or no layer ran.
 */
final class SelfTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Exit status of the one-layer run when its layer cannot run. */
    private static final int UNAVAILABLE = 2;

    private SelfTest() {
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        if (argv.length == 1 && argv[0].equals("--this-layer")) {
            return thisLayer(out);
        }
        if (argv.length > 0) {
            if (argv[0].equals("--help")) {
                out.println("Usage: jouroboros selftest");
                out.println("Prints the platform, the native library and the layers, and makes a round trip"
                        + " on each layer that is available.");
                return 0;
            }
            throw new Args.UsageException("unknown option " + argv[0] + " (try --help)");
        }
        out.println("os:             " + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + " " + System.getProperty("os.arch"));
        out.println("java:           " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        out.println("jOuroboros:     " + io.jouroboros.internal.NativeLibrary.version()
                + " (a native library of another version is refused)");
        if (!Ouroboros.isAvailable()) {
            out.println("native library: NOT LOADED");
            printCause(Ouroboros.unavailabilityCause(), "  ", out);
            return UNAVAILABLE;
        }
        out.println("native library: " + Ouroboros.nativeLibrary());
        try {
            out.println("layer:          " + Ouroboros.layer().toString().toLowerCase(java.util.Locale.ROOT)
                    + " (this process; -Djouroboros.layer or JOUROBOROS_LAYER choose)");
            out.println("layer info:     " + Ouroboros.layerInfo());
            out.println("largest SDU:    " + Ouroboros.maxSdu() + " bytes");
        } catch (LayerUnavailableException e) {
            out.println("layer:          UNAVAILABLE: " + e.getMessage());
        }
        int ok = 0;
        int failed = 0;
        for (String layer : new String[] {"system", "embedded"}) {
            int r = otherJvm(layer, out);
            if (r == 0) {
                ok++;
            } else if (r != UNAVAILABLE) {
                failed++;
            }
        }
        if (failed > 0) {
            out.println("selftest: FAILED");
            return 1;
        }
        if (ok == 0) {
            out.println("selftest: no layer could run");
            return UNAVAILABLE;
        }
        out.println("selftest: OK");
        return 0;
    }

    private static void printCause(Throwable t, String indent, PrintStream out) {
        if (t == null) {
            return;
        }
        out.println(indent + t);
        for (Throwable s : t.getSuppressed()) {
            out.println(indent + "  suppressed: " + s);
        }
        if (t.getCause() != null && t.getCause() != t) {
            out.println(indent + "  caused by:");
            printCause(t.getCause(), indent + "    ", out);
        }
    }

    /** Runs the round trip in a JVM on {@code layer}; its exit status. */
    private static int otherJvm(String layer, PrintStream out) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        // Where this JVM meets its peers, the other JVM does too.
        for (String p : new String[] {"jouroboros.embedded.dir", "jouroboros.irm.socket"}) {
            String v = System.getProperty(p);
            if (v != null) {
                cmd.add("-D" + p + "=" + v);
            }
        }
        cmd.add("-Djouroboros.layer=" + layer);
        cmd.add(Main.class.getName());
        cmd.add("selftest");
        cmd.add("--this-layer");
        String label = String.format("%-15s", layer + ":");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null;) {
                    lines.add(l);
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out.println(label + " FAILED: the round trip did not end within 60 s");
                return 1;
            }
            String first = lines.isEmpty() ? "(no output)" : lines.get(0);
            out.println(label + " " + first);
            for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                out.println("                  " + l);
            }
            return p.exitValue();
        } catch (IOException e) {
            out.println(label + " FAILED: cannot start a JVM: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The round trip in this JVM, on its layer; one line on success. */
    private static int thisLayer(PrintStream out) {
        try {
            Ouroboros.layer();
        } catch (LayerUnavailableException e) {
            out.println("not available: " + e.getMessage());
            return UNAVAILABLE;
        }
        try {
            String r = roundTrip();
            out.println(r + "; " + Ouroboros.layerInfo());
            return 0;
        } catch (Exception e) {
            out.println("round trip FAILED: " + e);
            return 1;
        }
    }

    private static String roundTrip() throws Exception {
        String name = "selftest-" + ProcessHandle.current().pid();
        byte[] message = ("jOuroboros selftest " + name).getBytes(StandardCharsets.UTF_8);
        AtomicReference<Exception> serverFailure = new AtomicReference<>();
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            Thread echo = new Thread(() -> {
                try (Flow f = server.accept(TIMEOUT)) {
                    f.receiveTimeout(TIMEOUT);
                    ByteBuffer b = ByteBuffer.allocate(f.maxSdu() + 1);
                    f.readMessage(b);
                    f.writeMessage(b.flip());
                } catch (Exception e) {
                    serverFailure.set(e);
                }
            }, "selftest-server");
            echo.setDaemon(true);
            echo.start();
            byte[] answer;
            long micros;
            try (Flow f = Flow.open(name, QoSSpec.raw(), TIMEOUT)) {
                f.receiveTimeout(TIMEOUT);
                ByteBuffer b = ByteBuffer.allocate(f.maxSdu() + 1);
                long start = System.nanoTime();
                f.writeMessage(ByteBuffer.wrap(message));
                int n = f.readMessage(b);
                micros = (System.nanoTime() - start) / 1000;
                if (n < 0) {
                    throw new IOException("the server closed the flow without an answer", serverFailure.get());
                }
                answer = Arrays.copyOf(b.array(), n);
            }
            echo.join(TIMEOUT.toMillis());
            if (serverFailure.get() != null) {
                throw serverFailure.get();
            }
            if (!Arrays.equals(answer, message)) {
                throw new IOException("sent \"" + new String(message, StandardCharsets.UTF_8) + "\", got back \""
                        + new String(answer, StandardCharsets.UTF_8) + "\"");
            }
            return "round trip OK (" + answer.length + " bytes, " + micros + " us)";
        }
    }
}
