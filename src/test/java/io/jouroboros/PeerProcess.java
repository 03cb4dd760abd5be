/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A second JVM running {@link Peer}, on the same layer and rendezvous
 * directory as the test JVM: a {@link TestJvm} of that main class. Its stdout
 * lines are queued for {@link #expect(String)}; its stderr is copied to ours
 * so a failure shows why.
 */
final class PeerProcess implements AutoCloseable {
    private final TestJvm jvm;

    private PeerProcess(TestJvm jvm) {
        this.jvm = jvm;
    }

    /** Starts a peer with extra JVM options (e.g. -D...) and Peer arguments. */
    static PeerProcess start(List<String> jvmOptions, String... args) throws IOException {
        return new PeerProcess(TestJvm.start(Peer.class, jvmOptions, args));
    }

    static PeerProcess start(String... args) throws IOException {
        return start(List.of(), args);
    }

    /** Waits for the next line that starts with prefix; returns the whole line. */
    String expect(String prefix) throws InterruptedException {
        return jvm.expect(prefix);
    }

    String expect(String prefix, Duration timeout) throws InterruptedException {
        return jvm.expect(prefix, timeout);
    }

    /** The next line the peer printed, if there is one now (no waiting, no failure); else null. */
    String poll() {
        return jvm.poll();
    }

    /** The last line {@link #expect} took. */
    String lastLine() {
        return jvm.lastLine();
    }

    long pid() {
        return jvm.pid();
    }

    /** Writes one line to the peer's standard input. */
    void send(String line) throws IOException {
        jvm.send(line);
    }

    /** kill -STOP, kill -CONT, ... */
    void signal(String sig) throws IOException, InterruptedException {
        jvm.signal(sig);
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        jvm.kill();
    }

    int waitFor() throws Exception {
        return jvm.waitFor();
    }

    @Override
    public void close() throws Exception {
        jvm.close();
    }
}
