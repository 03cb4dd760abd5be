/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.FlowTimeoutException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjIntConsumer;

/** What the tools' clients and servers share: their options, their server loop, their Ctrl-C. */
final class ToolSupport {
    private ToolSupport() {
    }

    /**
     * The options oecho and obc share: {@code -l} and {@code -n NAME} (or
     * {@code --name NAME}), read as oping's and operf's
     * ({@link ClientServerTool#takeSide}), and {@code -m MESSAGE}.
     */
    static final class Endpoint {
        boolean listen;
        String name;
        String message;

        Endpoint(String name, String message) {
            this.name = name;
            this.message = message;
        }

        /** Reads the command line: see {@link Args#options}. */
        int read(String[] argv, Runnable usage) throws Args.UsageException {
            return new Args(argv).options((o, a) -> {
                if (ClientServerTool.takeSide(o, a, "--name", () -> listen = true, v -> name = v) == Args.TAKEN) {
                    return Args.TAKEN;
                }
                if (o.equals("-m") || o.equals("--message")) {
                    message = a.value(o);
                    return Args.TAKEN;
                }
                return Args.UNKNOWN;
            }, usage);
        }
    }

    /**
     * Whether standard output is a terminal, as C's stdio asks ({@code isatty}):
     * from what {@code /proc/self/fd/1} names; where that cannot be read, from
     * {@link System#console()}.
     */
    static boolean stdoutIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** {@code message} as one SDU, with the NUL that ends it as a C string, as the C tools send it. */
    static ByteBuffer cString(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer sdu = ByteBuffer.allocate(m.length + 1);
        sdu.put(m).put((byte) 0).flip();
        return sdu;
    }

    /**
     * The server of oping and operf: binds {@code bindName}, prints
     * {@code started}, then serves each flow it accepts on a daemon thread
     * of its own ({@code threadName-N}, N its id from 1); a failed accept is
     * said and tried again after 100 ms. Returns 1 when it can no longer
     * accept.
     */
    static int serve(PrintStream out, String bindName, String started, String threadName,
            ObjIntConsumer<Flow> flow) throws InterruptedException {
        FlowServerChannel server;
        try {
            server = FlowServerChannel.open().bind(bindName);
        } catch (IOException e) {
            out.println("Failed to bind " + bindName + ": " + e.getMessage() + ".");
            return 1;
        }
        out.println(started);
        AtomicInteger ids = new AtomicInteger();
        try (server) {
            while (true) {
                Flow f;
                try {
                    f = server.accept();
                } catch (IOException e) {
                    out.println("Failed to accept flow: " + e.getMessage() + ".");
                    if (!server.isOpen()) {
                        return 1;
                    }
                    Thread.sleep(100);
                    continue;
                }
                int id = ids.incrementAndGet();
                out.printf("New flow %d.%n", id);
                Thread t = new Thread(() -> flow.accept(f, id), threadName + "-" + id);
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            out.println("Failed: " + e.getMessage() + ".");
            return 1;
        }
    }

    /**
     * The next SDU of server flow {@code id} into {@code buf}, cleared
     * first: its length, or -1 when the client deallocated or was idle
     * past the flow's receive timeout (said so).
     */
    static int serverRead(PrintStream out, Flow f, ByteBuffer buf, int id) throws IOException {
        buf.clear();
        try {
            return f.readMessage(buf);
        } catch (FlowTimeoutException e) {
            out.printf("Flow %d timed out.%n", id);
            return -1;
        }
    }

    /** What a client does when Ctrl-C asks it to stop. */
    @FunctionalInterface
    interface Stop {
        void stop() throws IOException;
    }

    /**
     * Ctrl-C ends a client's run with its statistics, as it does the C
     * tool's: while this is open, a shutdown hook runs {@code stop}, then
     * waits (up to 5 s) for the client to print them and close this.
     */
    static final class StopHook implements AutoCloseable {
        private final CountDownLatch done = new CountDownLatch(1);
        private final Thread hook;

        StopHook(String threadName, Stop stop) {
            hook = new Thread(() -> {
                try {
                    stop.stop();
                    done.await(5, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // exiting anyway
                }
            }, threadName);
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running
            }
        }
    }
}
