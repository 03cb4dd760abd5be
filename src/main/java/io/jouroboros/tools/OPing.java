/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Flow;
import io.jouroboros.FlowDownException;
import io.jouroboros.FlowTimeoutException;
import io.jouroboros.QoSSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code jouroboros oping}: Ouroboros's {@code oping}, client and server,
 * with its flags, its output and its packet, so it pings the C server and
 * answers the C client.
 *
 * <p>The packet (Ouroboros 0.23's {@code struct oping_msg}, packed, at the
 * start of a payload of {@code -s} bytes, the rest zero): a 32-bit type in
 * network order (0 request, 1 reply), a 32-bit sequence number in network
 * order, then two 64-bit fields of the sender's clock in the sender's own
 * byte order, which only the sender reads back (the C client writes its
 * {@code CLOCK_MONOTONIC} seconds and nanoseconds in host order, little
 * endian on the machines this binding runs on; this client does the same
 * with {@link System#nanoTime()}). The server sets the type to reply and
 * sends the packet back whole.
 */
final class OPing extends ClientServerTool {
    static final int ECHO_REQUEST = 0;
    static final int ECHO_REPLY = 1;
    /** The C tool's largest payload. */
    static final int BUF_SIZE = 1500;
    /** Type, id and the two clock fields. */
    static final int HEADER = 24;
    /** The C server deallocates a flow idle this long. */
    static final Duration SERVER_IDLE = Duration.ofSeconds(10);
    /** Keeps the clock fields positive, as a monotonic clock's are. */
    private static final long EPOCH = System.nanoTime() - TimeUnit.DAYS.toNanos(1);

    private long interval = 1000;
    private long count = Integer.MAX_VALUE;
    private long duration;
    private boolean timeOfDay;
    private QoSSpec qos = QoSSpec.raw();

    // Client statistics: written by the client's one thread, read after its loop ended.
    private volatile boolean stop;
    private long sent;
    private long rcvd;
    private long ooo;
    private double rttMin = Double.MAX_VALUE;
    private double rttMax;
    private double rttAvg;
    private double rttM2;

    /*
     * The client's lines not yet printed. As C's stdout: each line goes out
     * at once on a terminal, else in blocks of about PENDING_MAX bytes (a
     * write per reply costs the next round trips 10 to 15 µs on the system
     * layer, jmh/README.md). Guarded by this.
     */
    private static final int PENDING_MAX = 4096;
    private final StringBuilder pending = new StringBuilder();
    private final boolean terminal = ToolSupport.stdoutIsTerminal();

    private OPing(PrintStream out) {
        super(out, 64);
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        return new OPing(out).run(argv, "oping");
    }

    @Override
    void clientOptions() throws Args.UsageException {
        if (duration > 0) {
            count = interval == 0 ? duration * 10 : duration / interval;
        }
        if (count < 0 || count > 0xffff_ffffL) {
            throw new Args.UsageException("count must be 0.." + 0xffff_ffffL);
        }
        if (interval < 0) {
            throw new Args.UsageException("interval must not be negative");
        }
        if (interval > 10000) {
            out.println("Ping interval truncated to 10s.");
            interval = 10000;
        }
        truncateSize(BUF_SIZE);
        if (size < 64) {
            out.println("Packet size set to 64 bytes.");
            size = 64;
        }
    }

    @Override
    int option(String o, Args a) throws Args.UsageException {
        switch (o) {
            case "-c":
            case "--count":
                count = a.number(o);
                return Args.TAKEN;
            case "-i":
            case "--interval":
                interval = a.millis(o);
                return Args.TAKEN;
            case "-d":
            case "--duration":
                duration = a.millis(o);
                return Args.TAKEN;
            case "-q":
            case "--qos":
                qos = qos(a.value(o), out);
                return Args.TAKEN;
            case "-D":
            case "--timeofday":
                timeOfDay = true;
                return Args.TAKEN;
            default:
                return Args.UNKNOWN;
        }
    }

    private static QoSSpec qos(String name, PrintStream out) {
        switch (name) {
            case "best":
                return QoSSpec.bestEffort();
            case "raw":
                return QoSSpec.raw();
            case "video":
                return QoSSpec.video();
            case "voice":
                return QoSSpec.voice();
            case "data":
                return QoSSpec.data();
            default:
                out.println("Unknown QoS cube, defaulting to raw.");
                return QoSSpec.raw();
        }
    }

    @Override
    void usage() {
        out.println("Usage: jouroboros oping [OPTION]...");
        out.println();
        out.println("Checks liveness between a client and a server");
        out.println("and reports the Round Trip Time (RTT)");
        out.println();
        out.println("  -l, --listen            Run in server mode (binds -n NAME, default oping)");
        out.println();
        out.println("  -c, --count             Number of packets");
        out.println("  -d, --duration          Duration of the test (default 1s)");
        out.println("  -f, --flood             Send back-to-back without waiting");
        out.println("  -i, --interval          Interval (default 1000ms)");
        out.println("  -n, --server-name       Name of the oping server");
        out.println("  -q, --qos               QoS (raw, best, video, voice, data)");
        out.println("  -s, --size              Payload size (B, default 64)");
        out.println("  -Q, --quiet             Only print final statistics");
        out.println("  -D, --timeofday         Print time of day before each line");
        out.println();
        out.println("      --help              Display this help text and exit");
    }

    // ------------------------------------------------------------ client

    @Override
    int client() throws InterruptedException {
        Flow f;
        try {
            f = Flow.open(name, qos, null);
        } catch (IOException e) {
            out.println("Failed to allocate flow: " + e.getMessage() + ".");
            return 1;
        }
        Thread client = Thread.currentThread();
        ToolSupport.StopHook hook = new ToolSupport.StopHook("oping-stop", () -> {
            stop = true;
            LockSupport.unpark(client); // ends a wait for the next request
            f.close(); // ends a read or a write
        });
        try (hook; f) {
            long tic = System.currentTimeMillis();
            long ticNanos = System.nanoTime();
            if (flood) {
                floodPing(f);
            } else {
                intervalPing(f);
            }
            double elapsed = (System.nanoTime() - ticNanos) / 1e6;
            stats(tic, elapsed);
            return 0;
        } catch (IOException e) {
            return 0; // closing after the statistics
        } finally {
            flushSaid();
        }
    }

    /**
     * A request for id in {@code b} (direct, network order, {@link #size} bytes, the rest
     * zero): filled in place, no buffer per ping, as the C tool's one buffer.
     */
    private static ByteBuffer request(ByteBuffer b, long id) {
        long now = System.nanoTime() - EPOCH;
        b.clear();
        b.putInt(0, ECHO_REQUEST);
        b.putInt(4, (int) id);
        b.putLong(8, hostOrder(now / 1_000_000_000L));
        b.putLong(16, hostOrder(now % 1_000_000_000L));
        return b;
    }

    /** A buffer of the request's size, zeroed, network order. */
    private ByteBuffer requestBuffer() {
        return ByteBuffer.allocateDirect((int) size);
    }

    /** A clock field as the sender's own byte order holds it, for a network-order buffer. */
    private static long hostOrder(long v) {
        return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
    }

    /** The round-trip time of a reply, in ms, from its clock fields. */
    private static double rtt(ByteBuffer reply, long nowNanos) {
        long sentNanos = hostOrder(reply.getLong(8)) * 1_000_000_000L + hostOrder(reply.getLong(16));
        return (nowNanos - EPOCH - sentNanos) / 1e6;
    }

    /**
     * The client at an interval, in one thread (C's has a writer thread and a reading
     * thread): each request when it is due, then the replies that come before the next
     * one is due. The thread that just wrote reads the reply, so the read's short spin
     * (both layers) catches it without a sleep and a wake-up, which a reading thread of
     * its own pays for each reply (jmh/README.md). With no reply outstanding it parks
     * until the next request is due: a read there would time out every interval and
     * teach the read's spin that replies come late. As C's client, it stops when no
     * reply came for {@code interval / 1000 + 2} seconds (since the last one, or the
     * start) while some are due ("Server timed out."); a write blocked that long by a
     * server that stopped reading ends so too.
     */
    private void intervalPing(Flow f) throws InterruptedException {
        if (!quiet) {
            say(String.format("Pinging %s with %d bytes of data (%d packets):%n", name, size, count));
        }
        ByteBuffer req = requestBuffer();
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF_SIZE + 1);
        long step = TimeUnit.MILLISECONDS.toNanos(interval);
        long patience = TimeUnit.SECONDS.toNanos(interval / 1000 + 2);
        long heard = System.nanoTime(); // the last reply, or the start
        long due = heard + step; // C's writer sleeps an interval first too
        long expected = 0;
        try {
            f.sendTimeout(Duration.ofNanos(patience));
        } catch (IOException e) {
            say("Failed to send packet.");
            return;
        }
        while (!stop && rcvd < count) {
            long now = System.nanoTime();
            boolean waiting = rcvd < sent;
            if (waiting && now - heard >= patience && !queued(f)) {
                say("Server timed out.");
                break;
            }
            // A reply already queued is read before the next request (at -i 0, always due).
            if (sent < count && now - due >= 0 && (!waiting || !queued(f))) {
                try {
                    f.writeMessage(request(req, sent));
                } catch (FlowTimeoutException e) {
                    say("Server timed out.");
                    break;
                } catch (FlowDownException e) {
                    say("Server deallocated the flow.");
                    break;
                } catch (IOException e) {
                    if (!stop) {
                        say("Failed to send packet.");
                    }
                    break;
                }
                ++sent;
                due = now + step; // as C's writer: an interval from this write
                continue;
            }
            if (!waiting) { // nothing to read until the next request
                LockSupport.parkNanos(due - now);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                continue;
            }
            long until = sent < count ? Math.min(due, heard + patience) : heard + patience;
            buf.clear();
            int n;
            try {
                f.receiveTimeout(Duration.ofNanos(Math.max(until - now, 1)));
                n = f.readMessage(buf);
            } catch (FlowTimeoutException e) {
                continue; // the next request is due, or the server timed out
            } catch (IOException e) {
                if (!stop) {
                    say("Failed to read packet: " + e.getMessage() + ".");
                }
                break;
            }
            now = System.nanoTime();
            if (n < 0) {
                say("Server deallocated the flow.");
                break;
            }
            buf.flip();
            if (n < HEADER || buf.getInt(0) != ECHO_REPLY) {
                say("Invalid message.");
                continue;
            }
            long id = Integer.toUnsignedLong(buf.getInt(4));
            if (id >= count) {
                say("Invalid id.");
                continue;
            }
            heard = now;
            reply(n, id, rtt(buf, now), id < expected);
            if (id >= expected) {
                expected = id + 1;
            }
        }
        stop = true;
    }

    /** Whether a reply waits on f, so reading it does not wait. */
    private static boolean queued(Flow f) {
        try {
            return f.rxQueueLength() > 0;
        } catch (IOException e) {
            return false; // the write that follows says what is wrong
        }
    }

    private void reply(int len, long id, double ms, boolean outOfOrder) {
        ++rcvd;
        if (outOfOrder) {
            ++ooo;
        }
        if (!quiet) {
            sayReply(len, id, ms, outOfOrder);
        }
        rttMin = Math.min(rttMin, ms);
        rttMax = Math.max(rttMax, ms);
        double d = ms - rttAvg;
        rttAvg += d / rcvd;
        rttM2 += d * (ms - rttAvg);
    }

    private static String timeOfDay() {
        long us = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        return String.format(Locale.ROOT, "[%d.%06d] ", us / 1_000_000, us % 1_000_000);
    }

    private void floodPing(Flow f) {
        if (!quiet) {
            say(String.format("Pinging %s with %d bytes of data (%d packets):%n", name, size, count));
        }
        // Heap buffers here: a flood is over in seconds, most of it before the JIT is done,
        // and direct ones were slower then (50,000 pings against C's server, six rounds:
        // 19.0k pkt/s at the median against 21.7k; at 200,000 pings, alike).
        ByteBuffer buf = ByteBuffer.allocate(BUF_SIZE + 1);
        ByteBuffer req = ByteBuffer.allocate((int) size);
        while (!stop && sent < count) {
            try {
                f.writeMessage(request(req, sent));
            } catch (IOException e) {
                say("Failed to send packet.");
                break;
            }
            ++sent;
            buf.clear();
            int n;
            try {
                n = f.readMessage(buf);
            } catch (IOException e) {
                n = -1;
            }
            long now = System.nanoTime();
            if (n < 0) {
                if (!stop) {
                    say("Failed to read packet.");
                }
                break;
            }
            buf.flip();
            if (n < HEADER || buf.getInt(0) != ECHO_REPLY) {
                continue;
            }
            reply((int) size, Integer.toUnsignedLong(buf.getInt(4)), rtt(buf, now), false);
        }
    }

    /** Prints a line of the client's: at once on a terminal, else with the next block. */
    private synchronized void say(String line) {
        pending.append(line).append(System.lineSeparator());
        if (terminal || pending.length() >= PENDING_MAX) {
            flushSaid();
        }
    }

    /**
     * "[time of day] LEN bytes from NAME: seq=ID time=T UNIT [out-of-order]", as
     * the C tool's printf, put together by hand: no Formatter per reply.
     */
    private synchronized void sayReply(int len, long id, double ms, boolean outOfOrder) {
        StringBuilder b = pending;
        if (timeOfDay) {
            b.append(timeOfDay());
        }
        b.append(len).append(" bytes from ").append(name).append(": seq=").append(id).append(" time=");
        fixed3(b, value(ms));
        b.append(' ').append(unit(ms));
        if (outOfOrder) {
            b.append(" [out-of-order]");
        }
        b.append(System.lineSeparator());
        if (terminal || b.length() >= PENDING_MAX) {
            flushSaid();
        }
    }

    /** v with three decimals, as {@code %.3f} (halves rounded up); v is not negative. */
    static void fixed3(StringBuilder b, double v) {
        if (!(v >= 0) || v >= 1e15) {
            b.append(String.format(Locale.ROOT, "%.3f", v)); // NaN, infinite or huge: as printf
            return;
        }
        long t = Math.round(v * 1000);
        long frac = t % 1000;
        b.append(t / 1000).append('.');
        if (frac < 100) {
            b.append('0');
        }
        if (frac < 10) {
            b.append('0');
        }
        b.append(frac);
    }

    private synchronized void flushSaid() {
        if (pending.length() > 0) {
            out.print(pending);
            pending.setLength(0);
        }
        out.flush();
    }

    private static double value(double ms) {
        return ms < 0.1 ? ms * 1000 : ms;
    }

    private static String unit(double ms) {
        return ms < 0.1 ? "µs" : "ms";
    }

    private void stats(long tic, double elapsedMs) {
        flushSaid();
        long s = sent;
        out.println();
        out.printf("--- %s ping statistics ---%n", name);
        out.printf(Locale.ROOT, "%d packets transmitted, %d received, %d out-of-order, %.0f%% packet loss, "
                + "time: %.3f ms%n", s, rcvd, ooo,
                s == 0 ? 0.0 : Math.ceil(100 - (100 * (rcvd / (float) s))), elapsedMs);
        if (rcvd > 0) {
            double f = rttAvg < 0.1 ? 1000 : 1;
            String mdev = rcvd > 1 ? String.format(Locale.ROOT, "%.3f", Math.sqrt(rttM2 / (rcvd - 1)) * f) : "NaN";
            out.printf(Locale.ROOT, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%s %s%n", rttMin * f, rttAvg * f,
                    rttMax * f, mdev, unit(rttAvg));
        }
    }

    // ------------------------------------------------------------ server

    @Override
    int server(String bindName) throws InterruptedException {
        return ToolSupport.serve(out, bindName, "Ouroboros ping server started.", "oping-flow", this::serve);
    }

    /** Answers one flow's requests until its client leaves or is idle for {@link #SERVER_IDLE}. */
    private void serve(Flow f, int id) {
        ByteBuffer buf = ByteBuffer.allocateDirect(BUF_SIZE + 1);
        try (f) {
            f.receiveTimeout(SERVER_IDLE);
            while (true) {
                int n = ToolSupport.serverRead(out, f, buf, id);
                if (n < 0) {
                    return; // the client deallocated or was idle too long
                }
                if (!quiet) {
                    out.printf("Received %d bytes on fd %d.%n", n, id);
                }
                buf.flip();
                if (n < 4 || buf.getInt(0) != ECHO_REQUEST) {
                    out.printf("Invalid message on fd %d.%n", id);
                    continue;
                }
                buf.putInt(0, ECHO_REPLY);
                f.writeMessage(buf);
            }
        } catch (IOException e) {
            out.printf("Error on flow %d: %s.%n", id, e.getMessage());
        }
    }
}
