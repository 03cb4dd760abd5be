/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A hostile peer of the embedded layer driven line by line: a Python script
 * (its first arguments the rendezvous socket and the name in hex) that
 * makes a valid handshake, is accepted by {@code server}, says READY, and
 * then does what it is told on its standard input ("poke OFF VALUE SIZE",
 * "put HEX", ...), answering a line for each (DONE). Used by the tests of
 * what a peer can write into memory we share: {@link SecurityCountersTest},
 * {@link RingHostileTest}.
 */
class ScriptedPeer implements AutoCloseable {
    final Process process;
    final Flow flow;
    private final BufferedReader out;
    private final OutputStream in;

    ScriptedPeer(Path script, Path socket, String name, FlowServerChannel server) throws Exception {
        process = TestSupport.python(HostilePeerTest.python(), script.toString(), socket.toString(),
                HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8)))
                .redirectErrorStream(true).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = process.getOutputStream();
        Flow f = server.accept(Duration.ofSeconds(10));
        assertNotNull(f, "the hostile peer's valid handshake was not accepted");
        flow = f;
        expect("READY");
    }

    /** A server channel bound for such peers, and the path of its socket in the rendezvous folder. */
    record Bound(FlowServerChannel server, Path socket) {
    }

    /** Binds a server channel to name (embedded layer), and finds its socket. */
    static Bound bind(String name) throws Exception {
        List<String> before = TestSupport.list(TestSupport.rendezvousDir());
        FlowServerChannel server = FlowServerChannel.open().bind(name);
        List<String> after = new ArrayList<>(TestSupport.list(TestSupport.rendezvousDir()));
        after.removeAll(before);
        Path dir = TestSupport.nameDirOf(ProcessHandle.current().pid(), after);
        if (dir == null) {
            server.close();
        }
        assertNotNull(dir, "the new n-* directory with our socket; new entries: " + after);
        return new Bound(server, dir.resolve(ProcessHandle.current().pid() + ".s"));
    }

    /** Sends one command line; returns the peer's answer. */
    String say(String line) throws Exception {
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        String l = out.readLine();
        assertNotNull(l, "the hostile peer ended");
        return l;
    }

    void expect(String what) throws Exception {
        assertEquals(what, out.readLine(), "the hostile peer said");
    }

    /** Writes value (size bytes) at off in the shared memory, and makes the peer act on it. */
    void poke(int off, long value, int size) throws Exception {
        assertEquals("DONE", say("poke " + off + " " + Long.toUnsignedString(value) + " " + size));
    }

    /** Puts one SDU in the peer's ring by hand. */
    void put(byte[] sdu) throws Exception {
        assertEquals("DONE", say("put " + HexFormat.of().formatHex(sdu)));
    }

    @Override
    public void close() throws Exception {
        try {
            flow.close();
        } finally {
            TestSupport.kill(process);
        }
    }
}
