/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static io.jouroboros.ToolRunner.bindWhenKnown;
import static io.jouroboros.ToolRunner.cTool;
import static io.jouroboros.ToolRunner.destroyName;
import static io.jouroboros.ToolRunner.run;
import static io.jouroboros.ToolRunner.runC;
import static io.jouroboros.ToolRunner.tool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.ToolRunner.Result;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code jouroboros operf} in JVMs of its own: against itself, against a
 * peer written here from Ouroboros 0.23's operf wire format (a 4-byte test
 * type, then SDUs that start with a 4-byte sequence number, both in host
 * order), and, on a real IRMd, against C {@code operf}. (C operf's client
 * in 0.23 sends no packets, its send loop's condition being inverted: there
 * only its configuration message can be checked.)
 */
@ExtendWith(HelperThread.Check.class)
class OPerfTest {
    private static final Duration LIMIT = Duration.ofSeconds(100);
    private static final Pattern UNI_STATS = Pattern.compile("(\\d+) packets transmitted, time: [0-9.]+ ms\\.");
    private static final Pattern BI_STATS = Pattern.compile(
            "(\\d+) packets transmitted, (\\d+) received, (\\d+)% packet loss, time: [0-9.]+ ms, bandwidth: [0-9.]+ Mb/s\\.");
    private static final Pattern THROUGHPUT = Pattern.compile("throughput: \\d+ packets/s, [0-9.]+ Mb/s (sent|received)\\.");
    private static final Pattern PROGRESS = Pattern.compile("\\[\\d+ s\\] \\d+ packets sent: \\d+ packets/s, [0-9.]+ Mb/s.*\\.");
    private static final Pattern SEQNO = Pattern.compile("Seqno (\\d+) from fd (\\d+): \\d+\\.\\d{6}");

    /** The server's lines from "New flow N." to that flow's closing line ("Flow N: ..." or "Flow N timed out."). */
    private static List<String> flowLines(TestJvm server, int id) throws InterruptedException {
        List<String> got = new ArrayList<>();
        got.add(server.expect("New flow " + id + "."));
        while (true) {
            String l = server.expect("");
            got.add(l);
            if (l.startsWith("Flow " + id + ":")) {
                return got;
            }
        }
    }

    @Test
    void clientAndServerUnidirectional() {
        String name = TestSupport.unique("operf");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("operf", "-l", "-n", name)) {
                server.expect("Ouroboros perf server started.");
                Result r = run("operf", "-n", name, "-d", "2s", "-s", "200", "-r", "1M");
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.lines().contains("Doing a unidirectional test."), r.toString());
                assertTrue(r.lines().contains("Sending 200 byte packets for 2 s to " + name + " at 1.000 Mb/s."),
                        r.toString());
                r.find(PROGRESS);
                long sent = Long.parseLong(r.find(UNI_STATS).group(1));
                // 1 Mb/s of 200-byte packets: 625 a second.
                assertTrue(sent > 1000 && sent <= 1251, "about 1250 in 2 s: " + r);
                assertEquals("sent", r.find(THROUGHPUT).group(1));

                List<String> flow = flowLines(server, 1);
                assertEquals("Doing a unidirectional test.", flow.get(1), flow.toString());
                List<Long> seqnos = new ArrayList<>();
                for (String l : flow) {
                    Matcher m = SEQNO.matcher(l);
                    if (m.matches()) {
                        seqnos.add(Long.parseLong(m.group(1)));
                        assertEquals("1", m.group(2));
                    }
                }
                assertEquals(sent, seqnos.size(), "a Seqno line per packet");
                for (int i = 0; i < seqnos.size(); i++) {
                    assertEquals(i, seqnos.get(i), "in order, from 0");
                }
                String end = flow.get(flow.size() - 1);
                assertTrue(end.matches("Flow 1: " + sent + " packets, " + sent * 200
                        + " bytes in [0-9.]+ s: \\d+ packets/s, [0-9.]+ Mb/s\\."), end);
            }
        });
    }

    @Test
    void clientAndServerBidirectionalFlood() {
        String name = TestSupport.unique("operf-bi");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("operf", "-l", "-n", name, "-Q")) {
                server.expect("Ouroboros perf server started.");
                Result r = run("operf", "-n", name, "-d", "2s", "-s", "1000", "-f", "-t", "bi");
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.lines().contains("Doing a bidirectional test."), r.toString());
                assertTrue(r.lines().contains("Flooding " + name + " with 1000 byte packets for 2 seconds."),
                        r.toString());
                Matcher m = r.find(BI_STATS);
                long sent = Long.parseLong(m.group(1));
                long rcvd = Long.parseLong(m.group(2));
                assertTrue(sent > 100, r.toString());
                assertEquals(sent, rcvd, "every echo came back: " + r);
                assertEquals("0", m.group(3));
                assertEquals("received", r.find(THROUGHPUT).group(1));
                List<String> flow = flowLines(server, 1);
                assertEquals("Doing a bidirectional test.", flow.get(1), flow.toString());
                assertTrue(flow.get(flow.size() - 1).startsWith("Flow 1: " + sent + " packets, " + sent * 1000
                        + " bytes in "), flow.toString());
            }
        });
    }

    /** Our client against a server written here from C operf's wire: the test type, then numbered SDUs. */
    @Test
    void clientSendsCOperfsWire() {
        String name = TestSupport.unique("operf-wire");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    HelperThread<Long> server = HelperThread.call("c-operf-server", () -> {
                        try (Flow f = srv.accept(Duration.ofSeconds(30))) {
                            f.receiveTimeout(Duration.ofSeconds(5));
                            ByteBuffer b = ByteBuffer.allocate(2000).order(ByteOrder.LITTLE_ENDIAN);
                            assertEquals(4, f.readMessage(b), "struct conf: 4 bytes");
                            assertEquals(1, b.getInt(0), "test type bi, host (little-endian) order");
                            long n = 0;
                            while (true) {
                                b.clear();
                                int len = f.readMessage(b);
                                if (len < 0) {
                                    return n;
                                }
                                assertEquals(100, len, "the size -s asks");
                                assertEquals(n, b.getInt(0), "sequence number, little-endian");
                                for (int i = 4; i < 100; i++) {
                                    assertEquals(0, b.get(i), "padding byte " + i);
                                }
                                b.flip();
                                f.writeMessage(b);
                                n++;
                            }
                        }
                    })) {
                Result r = run("operf", "-n", name, "-d", "1s", "-s", "100", "-r", "400k", "-t", "bi", "-Q");
                long got = server.join();
                assertEquals(0, r.status(), r.toString());
                Matcher m = r.find(BI_STATS);
                assertEquals(got, Long.parseLong(m.group(1)), "the server read every packet sent: " + r);
                assertEquals(m.group(1), m.group(2), r.toString());
                assertTrue(got >= 400, "400 kb/s of 100-byte packets: 500 a second: " + r);
                assertTrue(r.lines().stream().noneMatch(l -> PROGRESS.matcher(l).matches()), "-Q: " + r);
            }
        });
    }

    /** Our server against a client written here from C operf's wire. */
    @Test
    void serverReadsCOperfsWire() {
        String name = TestSupport.unique("operf-srv");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("operf", "-l", "-n", name)) {
                server.expect("Ouroboros perf server started.");
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(20))) {
                    f.writeMessage(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0));
                    for (int id : new int[] {0, 1, 70_000}) {
                        f.writeMessage(ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(0, id));
                    }
                    assertEquals("New flow 1.", server.expect("New flow"));
                    assertEquals("Doing a unidirectional test.", server.expect("Doing"));
                    for (int id : new int[] {0, 1, 70_000}) {
                        Matcher m = SEQNO.matcher(server.expect("Seqno"));
                        assertTrue(m.matches());
                        assertEquals(Integer.toString(id), m.group(1));
                        assertEquals("1", m.group(2));
                    }
                }
                // A configuration of another size is refused, as by C operf.
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(20))) {
                    f.writeMessage(ByteBuffer.allocate(8));
                    assertEquals("New flow 2.", server.expect("New flow"));
                    assertEquals("Invalid config message.", server.expect("Invalid"));
                }
            }
        });
    }

    @Test
    void clientWithoutAServerNameSaysSo() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Result r = run("operf", "-d", "1s");
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.lines().contains("No server specified."), r.toString());
            assertEquals(64, run("operf", "-x").status());
            assertEquals(1, run("operf", "-n", "x", "-t", "tri").status());
        });
    }

    // ------------------------------------------------------------ C operf, on a real IRMd

    /**
     * Java operf against C {@code operf -l} (its output line-buffered with
     * stdbuf, as it prints with printf): unidirectional, C prints each of
     * our sequence numbers in order; bidirectional, every packet comes back.
     * A C server of its own for each: a C operf 0.23 server that has served
     * one client was seen to read nothing of the next one's packets (no
     * echo, 100% loss), in 2 of 3 runs.
     */
    @Test
    @Tag("system")
    void javaOperfMeasuresTheCOperfServer() {
        String operf = cTool("operf");
        String irm = cTool("irm");
        String stdbuf = cTool("stdbuf");
        Assumptions.assumeTrue(operf != null && irm != null && stdbuf != null, "operf, irm and stdbuf are needed");
        assertTimeoutPreemptively(LIMIT, () -> {
            for (String test : new String[] {"uni", "bi"}) {
                String name = TestSupport.unique("c-operf-" + test);
                Process server = new ProcessBuilder(stdbuf, "-oL", operf, "-l").redirectErrorStream(true).start();
                try (HelperThread<String> out = HelperThread.call("c-operf-out",
                        () -> new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8))) {
                    bindWhenKnown(irm, server, name);
                    Result r = ToolRunner.runToStartingServer(server, "operf", "-n", name, "-d", "1s", "-s", "100", "-r", "400k", "-t", test);
                    System.out.println("Java operf -t " + test + " -> C operf -l: " + r.lines());
                    assertEquals(0, r.status(), r.toString());
                    server.toHandle().destroyForcibly();
                    server.waitFor();
                    List<String> lines = List.of(out.join().split("\n"));
                    if (test.equals("bi")) {
                        Matcher m = r.find(BI_STATS);
                        assertTrue(Long.parseLong(m.group(1)) >= 400, r.toString());
                        assertEquals(m.group(1), m.group(2), "C operf echoed every packet: " + r);
                        assertTrue(lines.contains("Doing a bidirectional test."), lines.toString());
                        continue;
                    }
                    long sent = Long.parseLong(r.find(UNI_STATS).group(1));
                    assertTrue(sent >= 400, r.toString());
                    assertTrue(lines.contains("Doing a unidirectional test."), lines.toString());
                    List<Long> seqnos = new ArrayList<>();
                    for (String l : lines) {
                        Matcher s = SEQNO.matcher(l);
                        if (s.matches()) {
                            seqnos.add(Long.parseLong(s.group(1)));
                        }
                    }
                    assertEquals(sent, seqnos.size(), "C operf printed each packet: "
                            + lines.subList(0, Math.min(5, lines.size())));
                    for (int i = 0; i < seqnos.size(); i++) {
                        assertEquals(i, seqnos.get(i), "in order, from 0");
                    }
                } finally {
                    TestSupport.kill(server);
                    destroyName(name);
                }
            }
        });
    }

    /** C operf's client against ours: its configuration message is read (it then sends nothing, in 0.23). */
    @Test
    @Tag("system")
    void cOperfConfiguresTheJavaOperfServer() {
        String operf = cTool("operf");
        Assumptions.assumeTrue(operf != null, "operf is needed on the PATH");
        String name = TestSupport.unique("j-operf");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("operf", "-l", "-n", name)) {
                server.expect("Ouroboros perf server started.");
                Result bi = runC(Duration.ofSeconds(30), operf, "-n", name, "-d", "1s", "-s", "100", "-t", "bi");
                System.out.println("C operf -t bi -> Java operf -l: " + bi.lines());
                assertEquals(0, bi.status(), bi.toString());
                assertEquals("New flow 1.", server.expect("New flow"));
                assertEquals("Doing a bidirectional test.", server.expect("Doing"));
                Result uni = runC(Duration.ofSeconds(30), operf, "-n", name, "-d", "1s", "-s", "100");
                System.out.println("C operf -> Java operf -l: " + uni.lines());
                assertEquals(0, uni.status(), uni.toString());
                assertEquals("New flow 2.", server.expect("New flow"));
                assertEquals("Doing a unidirectional test.", server.expect("Doing"));
            } finally {
                destroyName(name);
            }
        });
    }
}
