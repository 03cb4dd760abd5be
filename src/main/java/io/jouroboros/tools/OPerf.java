/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import io.jouroboros.FlowTimeoutException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code jouroboros operf}: Ouroboros's {@code operf}, client and server,
 * with its flags and its wire format, so it measures against the C server
 * and serves the C client.
 *
 * <p>The wire (Ouroboros 0.23's {@code struct conf} and {@code struct msg},
 * packed, in host byte order, little endian on the machines this binding
 * runs on): the client's first SDU is 4 bytes, the test type (0
 * unidirectional, 1 bidirectional); then each SDU is {@code -s} bytes, the
 * first 4 its sequence number, the rest zero. The server prints each
 * sequence number (unidirectional) or sends each SDU back (bidirectional),
 * and deallocates a flow idle for 1 s.
 *
 * <p>Beyond the C tool: the client prints a progress line each second and a
 * closing throughput in packets/s and Mb/s for either test (the C client
 * prints statistics only for the bidirectional one), and the server prints
 * each flow's throughput when it ends. The C client of Ouroboros 0.23 sends
 * no packets (its send loop's condition is inverted), so against it only
 * the configuration message is exchanged.
 */
final class OPerf extends ClientServerTool {
    static final int TEST_UNI = 0;
    static final int TEST_BI = 1;
    /** The C tool's largest payload. */
    static final int BUF_SIZE = 1024 * 1024;
    /** The C server deallocates a flow idle this long. */
    static final Duration SERVER_IDLE = Duration.ofSeconds(1);
    /** The client's reader gives up after this silence (bidirectional test). */
    static final Duration CLIENT_IDLE = Duration.ofSeconds(2);
    /**
     * Between the configuration and the first packet, so the server has
     * taken the flow in (the C client waits 1 s, as long as the C server's
     * idle limit: this stays well below it).
     */
    static final long CONF_PAUSE_MS = 200;

    private long durationMs = 60_000;
    private long rate = 1_000_000;
    private int test = TEST_UNI;

    // Client counts: sent by the writer, rcvd by the reader; read by the progress printer.
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong rcvd = new AtomicLong();
    private volatile boolean stop;

    private OPerf(PrintStream out) {
        super(out, 1500);
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        return new OPerf(out).run(argv, "operf");
    }

    @Override
    void clientOptions() throws Args.UsageException {
        truncateSize(BUF_SIZE);
        if (size < 4) {
            throw new Args.UsageException("size must be at least 4 bytes (the sequence number)");
        }
        if (durationMs < 0 || rate <= 0) {
            throw new Args.UsageException("duration must not be negative and rate must be positive");
        }
    }

    @Override
    int option(String o, Args a) throws Args.UsageException {
        switch (o) {
            case "-d":
            case "--duration":
                durationMs = a.millis(o);
                return Args.TAKEN;
            case "-r":
            case "--rate":
                rate = rate(a.value(o));
                return Args.TAKEN;
            case "--sleep":
                // The C client sleeps between packets instead of spinning; this one always parks.
                return Args.TAKEN;
            case "-t":
            case "--test":
                String t = a.value(o);
                if (t.equals("uni")) {
                    test = TEST_UNI;
                } else if (t.equals("bi")) {
                    test = TEST_BI;
                } else {
                    out.println("Invalid test type.");
                    return 1;
                }
                return Args.TAKEN;
            default:
                return Args.UNKNOWN;
        }
    }

    /** A rate in bits/s with the C tool's units: none or {@code k} (kb/s), {@code M}, {@code G}. */
    private static long rate(String v) throws Args.UsageException {
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        long n;
        try {
            n = Long.parseLong(v.substring(0, i));
        } catch (NumberFormatException e) {
            throw new Args.UsageException("not a rate: " + v);
        }
        switch (v.substring(i)) {
            case "":
            case "k":
                return n * 1000;
            case "M":
                return n * 1_000_000;
            case "G":
                return n * 1_000_000_000;
            default:
                throw new Args.UsageException("unknown rate unit: " + v.substring(i));
        }
    }

    @Override
    void usage() {
        out.println("Usage: jouroboros operf [OPTION]...");
        out.println("Measures bandwidth between a client and a server");
        out.println("  -l, --listen              Run in server mode (binds -n NAME, default operf)");
        out.println("  -t, --test                The type of test [uni, bi] (default uni)");
        out.println("  -n, --server-name         Name of the operf server");
        out.println("  -d, --duration            Test duration (default 60s)");
        out.println("  -r, --rate                Rate (kb/s; k, M, G)");
        out.println("  -s, --size                Payload size (B, default 1500)");
        out.println("  -f, --flood               Send packets as fast as possible");
        out.println("      --sleep               Sleep in between sending packets (always so here)");
        out.println("  -Q, --quiet               No progress lines (client), no per-packet lines (server)");
        out.println();
        out.println("      --help                Display this help text and exit");
    }

    // ------------------------------------------------------------ client

    @Override
    int client() throws InterruptedException {
        Flow f;
        try {
            f = Flow.open(name);
        } catch (IOException e) {
            out.println("Failed to allocate flow: " + e.getMessage() + ".");
            return 1;
        }
        ToolSupport.StopHook hook = new ToolSupport.StopHook("operf-stop", () -> stop = true);
        try (hook; f) {
            out.println(test == TEST_BI ? "Doing a bidirectional test." : "Doing a unidirectional test.");
            ByteBuffer conf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, test);
            try {
                f.writeMessage(conf);
            } catch (IOException e) {
                out.println("Failed to send configuration.");
                return 1;
            }
            Thread.sleep(CONF_PAUSE_MS);

            Thread reader = null;
            AtomicInteger failed = new AtomicInteger();
            if (test == TEST_BI) {
                reader = new Thread(() -> reader(f), "operf-reader");
                reader.setDaemon(true);
                reader.start();
            }
            if (flood) {
                out.printf("Flooding %s with %d byte packets for %d seconds.%n%n", name, size, durationMs / 1000);
            } else {
                out.printf(Locale.ROOT, "Sending %d byte packets for %d s to %s at %.3f Mb/s.%n%n", size,
                        durationMs / 1000, name, rate / 1e6);
            }
            long tic = System.nanoTime();
            Thread writer = new Thread(() -> {
                if (!writer(f, tic)) {
                    failed.set(1);
                }
            }, "operf-writer");
            writer.setDaemon(true);
            writer.start();
            progress(writer, tic);
            writer.join();
            if (failed.get() != 0) {
                return 1;
            }
            out.println("Test finished.");
            long toc = System.nanoTime();
            if (reader != null) {
                // The echoes still in flight: until the reader's silence limit, or all are back.
                long end = System.nanoTime() + CLIENT_IDLE.toNanos();
                while (reader.isAlive() && rcvd.get() < sent.get() && System.nanoTime() < end && !stop) {
                    reader.join(10);
                }
                stop = true;
                toc = System.nanoTime();
            }
            stats(toc - tic);
            return 0;
        } catch (IOException e) {
            return 0; // closing after the statistics
        }
    }

    /** Sends for the duration at the rate (or as fast as it can); false if a write failed. */
    private boolean writer(Flow f, long tic) {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) size).order(ByteOrder.LITTLE_ENDIAN);
        double gapNanos = size * 8.0 * 1e9 / rate;
        long end = tic + TimeUnit.MILLISECONDS.toNanos(durationMs);
        long id = 0;
        while (!stop && System.nanoTime() - end < 0) {
            buf.clear();
            buf.putInt(0, (int) id);
            try {
                f.writeMessage(buf);
            } catch (IOException e) {
                out.println("Failed to send packet: " + e.getMessage() + ".");
                return false;
            }
            sent.set(++id);
            if (!flood) {
                // Paced from the start, so a late wake-up is made up, not carried on.
                long next = tic + (long) (id * gapNanos);
                long now;
                while (!stop && (now = System.nanoTime()) - next < 0 && now - end < 0) {
                    LockSupport.parkNanos(next - now);
                }
            }
        }
        return true;
    }

    /** Counts the echoes of a bidirectional test until stopped or the server is silent for 2 s. */
    private void reader(Flow f) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF_SIZE + 1);
        try {
            f.receiveTimeout(CLIENT_IDLE);
            while (!stop) {
                buf.clear();
                int n;
                try {
                    n = f.readMessage(buf);
                } catch (FlowTimeoutException e) {
                    if (!stop) {
                        out.println("Server timed out.");
                    }
                    return;
                }
                if (n < 0) {
                    return;
                }
                if (n != size) {
                    out.println("Invalid message on flow.");
                    continue;
                }
                rcvd.incrementAndGet();
            }
        } catch (IOException e) {
            // closed at the end of the test
        }
    }

    /** A line each second while the writer runs (not with -Q). */
    private void progress(Thread writer, long tic) throws InterruptedException {
        long lastSent = 0;
        long lastRcvd = 0;
        long last = tic;
        for (int second = 1; ; second++) {
            long at = tic + TimeUnit.SECONDS.toNanos(second);
            while (writer.isAlive() && System.nanoTime() - at < 0) {
                writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(at - System.nanoTime())));
            }
            if (!writer.isAlive()) {
                return;
            }
            long s = sent.get();
            long r = rcvd.get();
            long now = System.nanoTime();
            if (!quiet) {
                double secs = (now - last) / 1e9;
                String line = String.format(Locale.ROOT, "[%d s] %d packets sent: %.0f packets/s, %.3f Mb/s",
                        second, s, (s - lastSent) / secs, (s - lastSent) * size * 8 / secs / 1e6);
                if (test == TEST_BI) {
                    line += String.format(Locale.ROOT, "; %d received: %.0f packets/s, %.3f Mb/s", r,
                            (r - lastRcvd) / secs, (r - lastRcvd) * size * 8 / secs / 1e6);
                }
                out.println(line + ".");
            }
            lastSent = s;
            lastRcvd = r;
            last = now;
        }
    }

    private void stats(long nanos) {
        long s = sent.get();
        long r = rcvd.get();
        double us = nanos / 1e3;
        double secs = nanos / 1e9;
        out.println();
        out.printf("--- %s perf statistics ---%n", name);
        if (test == TEST_BI) {
            long loss = s == 0 ? 0 : 100 - (100 * r) / s;
            out.printf(Locale.ROOT, "%d packets transmitted, %d received, %d%% packet loss, time: %.3f ms,"
                    + " bandwidth: %.3f Mb/s.%n", s, r, loss, us / 1000, r * size * 8 / us);
            out.printf(Locale.ROOT, "throughput: %.0f packets/s, %.3f Mb/s received.%n", r / secs,
                    r * size * 8 / us);
        } else {
            out.printf(Locale.ROOT, "%d packets transmitted, time: %.3f ms.%n", s, us / 1000);
            out.printf(Locale.ROOT, "throughput: %.0f packets/s, %.3f Mb/s sent.%n", s / secs, s * size * 8 / us);
        }
    }

    // ------------------------------------------------------------ server

    @Override
    int server(String bindName) throws InterruptedException {
        return ToolSupport.serve(out, bindName, "Ouroboros perf server started.", "operf-flow", this::serve);
    }

    /** One flow: its configuration, then its packets until it ends or is idle for 1 s. */
    private void serve(Flow f, int id) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF_SIZE + 1).order(ByteOrder.LITTLE_ENDIAN);
        long packets = 0;
        long bytes = 0;
        long first = 0;
        long last = 0;
        try (f) {
            f.receiveTimeout(SERVER_IDLE);
            int n;
            try {
                n = f.readMessage(buf);
            } catch (FlowTimeoutException e) {
                out.println("Failed to read config message.");
                return;
            }
            if (n != 4) {
                out.println("Invalid config message.");
                return;
            }
            int type = buf.getInt(0);
            out.println(type == TEST_BI ? "Doing a bidirectional test." : "Doing a unidirectional test.");
            while (true) {
                n = ToolSupport.serverRead(out, f, buf, id);
                if (n < 0) {
                    return; // the client deallocated or was idle too long
                }
                last = System.nanoTime();
                if (packets++ == 0) {
                    first = last;
                }
                bytes += n;
                if (type == TEST_BI) {
                    buf.flip();
                    try {
                        f.writeMessage(buf);
                    } catch (IOException e) {
                        out.printf("Error writing to flow (fd %d).%n", id);
                        return;
                    }
                } else if (!quiet && n >= 4) {
                    Instant now = Instant.now();
                    out.printf("Seqno %d from fd %d: %d.%06d%n", buf.getInt(0), id, now.getEpochSecond(),
                            now.getNano() / 1000);
                }
            }
        } catch (IOException e) {
            out.printf("Error on flow %d: %s.%n", id, e.getMessage());
        } finally {
            if (packets > 1) {
                // From the first packet to the last: the rate they arrived at.
                double secs = (last - first) / 1e9;
                out.printf(Locale.ROOT, "Flow %d: %d packets, %d bytes in %.3f s: %.0f packets/s, %.3f Mb/s.%n",
                        id, packets, bytes, secs, (packets - 1) / secs, (bytes - bytes / packets) * 8 / secs / 1e6);
            } else if (packets == 1) {
                out.printf("Flow %d: 1 packet, %d bytes.%n", id, bytes);
            }
        }
    }
}
