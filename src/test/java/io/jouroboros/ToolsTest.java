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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.ToolRunner.Result;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.IrmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code jouroboros} command ({@code io.jouroboros.tools.Main}), each
 * tool in JVMs of its own: against itself, against a peer written here
 * from Ouroboros 0.23's wire formats (so two halves that agree with each
 * other but not with the C tools fail), and, on a real IRMd, against the C
 * tools ({@code oping}, {@code oecho}, {@code irm}).
 */
@ExtendWith(HelperThread.Check.class)
class ToolsTest {
    private static final Duration LIMIT = Duration.ofSeconds(100);
    /** The summary line of C oping (and ours) for a run with no loss. */
    private static final Pattern NO_LOSS = Pattern.compile(
            "(\\d+) packets transmitted, \\1 received, 0 out-of-order, 0% packet loss, time: [0-9.]+ ms");
    private static final Pattern RTT = Pattern.compile(
            "rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/([0-9.]+|NaN) (ms|µs)");

    private static boolean systemRun() {
        return "system".equals(System.getProperty("jouroboros.layer"));
    }

    // ------------------------------------------------------------ oecho

    @Test
    void oechoClientAndServer() {
        String name = TestSupport.unique("oecho");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("oecho", "-l", "-n", name)) {
                server.expect("Starting the server.");
                Result r = run("oecho", "-n", name);
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has("Server replied with Client says hi!"), r.toString());
                server.expect("New flow.");
                assertEquals("Message from client is Client says hi!.", server.expect("Message from"));
            }
        });
    }

    /**
     * The server echoes one SDU as it came: C oecho's (with its NUL) and
     * pyOuroboros's (no newline: {@code writeline} adds none), each from a
     * client that waits for the SDU back and would hang on a line reader.
     */
    @Test
    void oechoServerEchoesTheSduOfTheCAndPythonClients() {
        String name = TestSupport.unique("oecho-sdu");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("oecho", "-l", "-n", name)) {
                server.expect("Starting the server.");
                for (String m : new String[] {"Client says hi!\0", "Hello, PyOuroboros!"}) {
                    byte[] sent = m.getBytes(StandardCharsets.UTF_8);
                    try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(20))) {
                        f.receiveTimeout(Duration.ofSeconds(20));
                        f.writeMessage(ByteBuffer.wrap(sent));
                        ByteBuffer in = ByteBuffer.allocate(f.maxSdu() + 1);
                        assertEquals(sent.length, f.readMessage(in));
                        assertArrayEquals(sent, Arrays.copyOf(in.array(), sent.length));
                    }
                    assertEquals("Message from client is " + m.replace("\0", "") + ".",
                            server.expect("Message from"));
                }
            }
        });
    }

    // ------------------------------------------------------------ oping

    @Test
    void opingClientAndServer() {
        String name = TestSupport.unique("oping");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("oping", "-l", "-n", name)) {
                server.expect("Ouroboros ping server started.");
                Result r = run("oping", "-n", name, "-c", "5", "-i", "20ms");
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has("Pinging " + name + " with 64 bytes of data (5 packets):"), r.toString());
                assertEquals(5, r.count(Pattern.compile("64 bytes from " + Pattern.quote(name)
                        + ": seq=[0-4] time=[0-9.]+ (ms|µs)")), r.toString());
                assertTrue(r.has("--- " + name + " ping statistics ---"), r.toString());
                assertTrue(r.has(NO_LOSS) && r.has(RTT), r.toString());

                Result flood = run("oping", "-n", name, "-c", "500", "-f", "-Q", "-s", "1500");
                assertEquals(0, flood.status(), flood.toString());
                assertTrue(flood.has(Pattern.compile("500 packets transmitted, 500 received, .*")), flood.toString());
                assertTrue(flood.has(RTT), flood.toString());
                server.expect("New flow 1.");
                server.expect("Received 64 bytes on fd 1.");
            }
        });
    }

    /**
     * Our client against a server written here from C oping's packet: 24
     * bytes of header (type 0 and id, both 32-bit big-endian, then the
     * client's clock), padded with zeros to {@code -s}, answered with type 1.
     */
    @Test
    void opingClientSendsCOpingRequests() {
        String name = TestSupport.unique("oping-wire");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    HelperThread<Void> server = HelperThread.start("c-oping-server", () -> {
                        try (Flow f = srv.accept(Duration.ofSeconds(30))) {
                            f.receiveTimeout(Duration.ofSeconds(30));
                            for (int id = 0; id < 3; id++) {
                                ByteBuffer b = ByteBuffer.allocate(2000);
                                assertEquals(100, f.readMessage(b), "the size -s asks");
                                b.flip();
                                assertEquals(0, b.getInt(0), "type: echo request, big-endian");
                                assertEquals(id, b.getInt(4), "id, big-endian");
                                for (int i = 24; i < 100; i++) {
                                    assertEquals(0, b.get(i), "padding byte " + i);
                                }
                                b.putInt(0, 1);
                                f.writeMessage(b);
                            }
                        }
                    })) {
                Result r = run("oping", "-n", name, "-c", "3", "-i", "10", "-s", "100");
                server.join();
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has(NO_LOSS), r.toString());
                assertEquals(3, r.count(Pattern.compile("100 bytes from .*")), r.toString());
            }
        });
    }

    /**
     * A reply that comes after the next request is due, after the reply to that one: our
     * client (one thread, reading until the next request is due) still takes it, and
     * counts it out of order, as C's does.
     */
    @Test
    void opingClientCountsALateReplyOutOfOrder() {
        String name = TestSupport.unique("oping-ooo");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    HelperThread<Void> server = HelperThread.start("late-server", () -> {
                        try (Flow f = srv.accept(Duration.ofSeconds(30))) {
                            f.receiveTimeout(Duration.ofSeconds(30));
                            ByteBuffer[] req = new ByteBuffer[3];
                            for (int id = 0; id < 3; id++) {
                                req[id] = ByteBuffer.allocate(2000);
                                assertEquals(64, f.readMessage(req[id]));
                                req[id].flip().putInt(0, 1);
                                if (id != 1) {
                                    f.writeMessage(req[id]); // 1 waits for request 2
                                }
                            }
                            f.writeMessage(req[1]);
                            untilTheEnd(f);
                        }
                    })) {
                Result r = run("oping", "-n", name, "-c", "3", "-i", "10");
                server.join();
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has(Pattern.compile("3 packets transmitted, 3 received, 1 out-of-order, 0% packet loss, .*")),
                        r.toString());
                assertEquals(1, r.count(Pattern.compile("64 bytes from .*: seq=1 time=.* \\[out-of-order\\]")),
                        r.toString());
            }
        });
    }

    /** A request never answered: our client waits 2 s more (C's time), says so, and counts it lost. */
    @Test
    void opingClientGivesUpOnAnUnansweredRequest() {
        String name = TestSupport.unique("oping-lost");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    HelperThread<Void> server = HelperThread.start("deaf-server", () -> {
                        try (Flow f = srv.accept(Duration.ofSeconds(30))) {
                            f.receiveTimeout(Duration.ofSeconds(30));
                            ByteBuffer b = ByteBuffer.allocate(2000);
                            assertEquals(64, f.readMessage(b));
                            f.writeMessage(b.flip().putInt(0, 1));
                            b.clear();
                            assertEquals(64, f.readMessage(b), "request 1, never answered");
                            untilTheEnd(f);
                        }
                    })) {
                Result r = run("oping", "-n", name, "-c", "2", "-i", "10");
                server.join();
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has("Server timed out."), r.toString());
                double ms = Double.parseDouble(r.find(Pattern.compile(
                        "2 packets transmitted, 1 received, 0 out-of-order, 50% packet loss, time: ([0-9.]+) ms"))
                        .group(1));
                assertTrue(ms >= 2000, "it gave up after " + ms + " ms, not 2 s after the last reply");
            }
        });
    }

    /**
     * At {@code -i 0} a request is always due: against a server that reads every request
     * and answers none, and one that reads nothing (so the client's writes block), our
     * client still gives up after 2 s, as C's reader does.
     */
    @Test
    void opingClientGivesUpAtIntervalZero() {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (boolean reads : new boolean[] {true, false}) {
                String name = TestSupport.unique(reads ? "oping-mute" : "oping-stuck");
                CountDownLatch clientDone = new CountDownLatch(1);
                try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                        HelperThread<Void> server = HelperThread.start("mute-server", () -> {
                            try (Flow f = srv.accept(Duration.ofSeconds(30))) {
                                if (reads) {
                                    untilTheEnd(f);
                                } else {
                                    assertTrue(clientDone.await(60, TimeUnit.SECONDS), "the client never ended");
                                }
                            }
                        })) {
                    Result r = run("oping", "-n", name, "-i", "0", "-Q"); // no -c: for ever, but for the timeout
                    clientDone.countDown();
                    server.join();
                    assertEquals(0, r.status(), r.toString());
                    assertTrue(r.has("Server timed out."), r.toString());
                    assertTrue(r.has(Pattern.compile(
                            "\\d+ packets transmitted, 0 received, 0 out-of-order, 100% packet loss, .*")), r.toString());
                }
            }
        });
    }

    /** Reads f until its peer closes it (-1), so the flow lasts as long as the client. */
    private static void untilTheEnd(Flow f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2000);
        while (f.readMessage(b) >= 0) {
            b.clear();
        }
    }

    /** Our server against a client written here from C oping's packet: it flips the type, keeps every other byte. */
    @Test
    void opingServerAnswersCOpingRequests() {
        String name = TestSupport.unique("oping-srv");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("oping", "-l", "-n", name);
                    Flow f = openWhenServing(server, name)) {
                f.receiveTimeout(Duration.ofSeconds(20));
                ByteBuffer bad = ByteBuffer.allocate(64).putInt(0, 5);
                f.writeMessage(bad);
                byte[] req = new byte[64];
                for (int i = 8; i < req.length; i++) {
                    req[i] = (byte) (i * 7);
                }
                ByteBuffer.wrap(req).putInt(0, 0).putInt(4, 7);
                f.writeMessage(ByteBuffer.wrap(req));
                ByteBuffer in = ByteBuffer.allocate(2000);
                assertEquals(64, f.readMessage(in), "only the request is answered, whole");
                byte[] want = req.clone();
                ByteBuffer.wrap(want).putInt(0, 1);
                assertArrayEquals(want, Arrays.copyOf(in.array(), 64));
                server.expect("New flow 1.");
                assertEquals("Received 64 bytes on fd 1.", server.expect("Received"));
                assertEquals("Invalid message on fd 1.", server.expect("Invalid"));
            }
        });
    }

    private static Flow openWhenServing(TestJvm server, String name) throws Exception {
        server.expect("Ouroboros ping server started.");
        return Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(20));
    }

    @Test
    void opingWithoutAServerNameSaysSo() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Result r = run("oping", "-c", "1");
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.has("No server specified."), r.toString());
            Result bad = run("oping", "-x");
            assertEquals(64, bad.status(), bad.toString());
        });
    }

    // ------------------------------------------------------------ obc

    @Test
    @Tag("embedded")
    void obcWriterReachesAReader() {
        String layer = TestSupport.unique("obc");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm reader = tool("obc", "-l", "-n", layer)) {
                reader.expect("Starting a reader.");
                reader.expect("New flow.");
                Result w = run("obc", "-n", layer, "-m", "hello, layer");
                assertEquals(0, w.status(), w.toString());
                assertEquals("Message is hello, layer.", reader.expect("Message is"));
                assertEquals(0, run("obc", "-n", layer).status());
                assertEquals("Message is Ouroboros multicast rocks!.", reader.expect("Message is"));
            }
        });
    }

    // ------------------------------------------------------------ irm, selftest

    @Test
    @Tag("embedded")
    void irmSaysItNeedsAnIrmd() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Result r = run("irm", "ipcp", "list");
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.lines().size() == 1 && r.lines().get(0).startsWith("irm needs the system layer, an Ouroboros"
                    + " IRMd; this process runs the embedded layer"), r.toString());
        });
    }

    @Test
    void selftestMakesARoundTripOnEachLayerItCan() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Result r = run("selftest");
            assertEquals(0, r.status(), r.toString());
            assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("native library: ")), r.toString());
            assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("embedded:       round trip OK")), r.toString());
            if (systemRun()) {
                assertTrue(r.lines().stream().anyMatch(l -> l.startsWith("system:         round trip OK")),
                        r.toString());
            }
            assertEquals("selftest: OK", r.lines().get(r.lines().size() - 1));
        });
    }

    // ------------------------------------------------------------ the C tools, on a real IRMd

    /**
     * Waits until the IRMd no longer lists a process that is gone, so it
     * hands no later flow to "oecho" (a name C oecho's client always asks
     * for) to the dead process: the IRMd binds only processes it lists.
     */
    private static void awaitIrmdForgets(long pid) throws Exception {
        String probe = TestSupport.unique("tools-probe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (true) {
                try {
                    Irm.bindProcess(pid, probe);
                    Irm.unbindProcess(pid, probe);
                } catch (IrmException e) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "the IRMd still lists process " + pid + " 10 s after its end");
                Thread.sleep(50);
            }
        } finally {
            destroyName(probe);
        }
    }

    @Test
    @Tag("system")
    void javaOpingPingsTheCOpingServer() {
        String oping = cTool("oping");
        String irm = cTool("irm");
        Assumptions.assumeTrue(oping != null && irm != null, "oping and irm are needed on the PATH");
        String name = TestSupport.unique("c-oping");
        assertTimeoutPreemptively(LIMIT, () -> {
            Process server = new ProcessBuilder(oping, "-l").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                bindWhenKnown(irm, server, name);
                Result r = ToolRunner.runToStartingServer(server, "oping", "-n", name, "-c", "5", "-i", "100");
                System.out.println("Java oping -> C oping -l: " + r.lines());
                assertEquals(0, r.status(), r.toString());
                assertEquals(5, r.count(Pattern.compile("64 bytes from .*: seq=[0-4] time=.*")), r.toString());
                assertTrue(r.has(NO_LOSS) && r.has(RTT), r.toString());
            } finally {
                TestSupport.kill(server);
                destroyName(name);
            }
        });
    }

    @Test
    @Tag("system")
    void cOpingPingsTheJavaOpingServer() {
        String oping = cTool("oping");
        Assumptions.assumeTrue(oping != null, "oping is needed on the PATH");
        String name = TestSupport.unique("j-oping");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestJvm server = tool("oping", "-l", "-n", name)) {
                server.expect("Ouroboros ping server started.");
                Result r = runC(Duration.ofSeconds(30), oping, "-n", name, "-c", "5", "-i", "100");
                System.out.println("C oping -> Java oping -l: " + r.lines());
                assertEquals(0, r.status(), r.toString());
                assertEquals(5, r.count(Pattern.compile("64 bytes from .*: seq=[0-4] time=.*")), r.toString());
                assertTrue(r.has(NO_LOSS) && r.has(RTT), r.toString());
                server.expect("Received 64 bytes on fd 1.");
            } finally {
                destroyName(name);
            }
        });
    }

    @Test
    @Tag("system")
    void cOechoClientGetsTheJavaServersEcho() {
        String oecho = cTool("oecho");
        Assumptions.assumeTrue(oecho != null, "oecho is needed on the PATH");
        assertTimeoutPreemptively(LIMIT, () -> {
            TestJvm server = tool("oecho", "-l");
            try (server) {
                server.expect("Starting the server.");
                Result r = runC(Duration.ofSeconds(30), oecho);
                assertEquals(0, r.status(), r.toString());
                // printf("%.*s") stops at the NUL the server echoed back.
                assertTrue(r.has("Server replied with Client says hi!"), r.toString());
                assertEquals("Message from client is Client says hi!.", server.expect("Message from"));
            } finally {
                awaitIrmdForgets(server.pid());
            }
        });
    }

    /**
     * A JVM of this JDK that uses flows (the tools' oecho, server and client)
     * prints nothing on stderr: no warning of the JDK (native access, Unsafe
     * on JDK 24 and later), nothing of ours. The echo demo and scripts that
     * read a tool's output with 2>&1 count on it.
     */
    @Test
    void aJvmUsingFlowsPrintsNothingOnStandardError() {
        String name = TestSupport.unique("quiet");
        assertTimeoutPreemptively(LIMIT, () -> {
            TestJvm server = tool("oecho", "-l", "-n", name);
            try {
                server.expect("Starting the server.");
                TestJvm client = tool("oecho", "-n", name);
                try {
                    assertEquals(0, client.waitFor(), client.output().toString());
                } finally {
                    client.close(); // and its stderr read to the end
                }
                assertEquals(List.of(), client.errLines(), "the client's stderr");
                server.expect("Message from");
            } finally {
                server.close();
            }
            assertEquals(List.of(), server.errLines(), "the server's stderr");
        });
    }

    @Test
    @Tag("system")
    void javaOechoClientGetsTheCServersEcho() {
        String oecho = cTool("oecho");
        String irm = cTool("irm");
        Assumptions.assumeTrue(oecho != null && irm != null, "oecho and irm are needed on the PATH");
        String name = TestSupport.unique("c-oecho");
        assertTimeoutPreemptively(LIMIT, () -> {
            Process server = new ProcessBuilder(oecho, "-l").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                bindWhenKnown(irm, server, name);
                Result r = ToolRunner.runToStartingServer(server, "oecho", "-n", name);
                assertEquals(0, r.status(), r.toString());
                assertTrue(r.has("Server replied with Client says hi!"), r.toString());
            } finally {
                TestSupport.kill(server);
                destroyName(name);
            }
        });
    }

    @Test
    @Tag("system")
    void irmListsWhatTheOtherIrmMade() {
        String irm = cTool("irm");
        Assumptions.assumeTrue(irm != null, "irm is needed on the PATH");
        String ours = TestSupport.unique("j-name");
        String theirs = TestSupport.unique("c-name");
        assertTimeoutPreemptively(LIMIT, () -> {
            try {
                Result ipcps = run("irm", "ipcp", "list");
                assertEquals(0, ipcps.status(), ipcps.toString());
                // The IPCPs with-irmd (or whoever runs the IRMd) made, as C irm prints them.
                Result cIpcps = runC(Duration.ofSeconds(10), irm, "ipcp", "list");
                List<String> rows = new ArrayList<>(cIpcps.lines());
                rows.removeIf(String::isEmpty);
                List<String> ourRows = new ArrayList<>(ipcps.lines());
                ourRows.removeIf(String::isEmpty);
                assertEquals(rows, ourRows, "the same table as C irm ipcp list");
                assertTrue(ipcps.has(Pattern.compile("\\| +\\d+ \\| +local \\| +local \\| +local \\|")), ipcps.toString());
                assertTrue(ipcps.has(Pattern.compile("\\| +\\d+ \\| +bc \\| +broadcast \\| +bc \\|")), ipcps.toString());

                assertEquals(0, run("irm", "name", "create", ours).status());
                assertEquals(0, runC(Duration.ofSeconds(10), irm, "name", "create", theirs).status());
                Pattern ourRow = Pattern.compile("\\| +" + Pattern.quote(ours) + " \\| +round-robin \\|");
                Pattern theirRow = Pattern.compile("\\| +" + Pattern.quote(theirs) + " \\| +round-robin \\|");
                Result cNames = runC(Duration.ofSeconds(10), irm, "name", "list");
                assertTrue(cNames.has(ourRow), cNames.toString());
                Result names = run("irm", "n", "l");
                assertTrue(names.has(theirRow), names.toString());
            } finally {
                destroyName(ours);
                destroyName(theirs);
            }
        });
    }
}
