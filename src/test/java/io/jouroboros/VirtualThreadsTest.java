/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Virtual threads park instead of pinning their carrier (issue 12), on a
 * JDK with virtual threads (21+; skipped on 17). Each test runs its body in
 * a second JVM ({@link Child}) whose scheduler has one carrier
 * ({@code jdk.virtualThreadScheduler.parallelism=1}, {@code maxPoolSize=1}:
 * only settable at JVM start), so a virtual thread that blocked inside a
 * native call would stop every other one and the body would hang. The
 * child records JFR with {@code jdk.VirtualThreadPinned} at a zero
 * threshold, and each test checks with {@code jfr print} that no pinned
 * event has a frame of ours. (A thread blocked inside a native call does not
 * park, so JFR cannot see that case: the child checks instead that each
 * blocked virtual thread is WAITING, i.e. parked and unmounted, not RUNNABLE
 * inside native code.)
 */
@ExtendWith(HelperThread.Check.class)
class VirtualThreadsTest {
    private static final Duration LIMIT = Duration.ofSeconds(240);
    /** Readers of the scale test: 10,000 on the embedded layer; the system layer allows 4,096 flows a process. */
    private static final int EMBEDDED_READERS = 10_000;
    private static final int SYSTEM_READERS = 1_000;

    @BeforeAll
    static void virtualThreadsExist() {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21 or newer; this is " + Runtime.version());
    }

    /** Runs the child with one carrier and JFR; returns its output up to END, with no FAIL and no pinning of ours. */
    private static List<String> child(String scenario, Path jfr, String... args) throws Exception {
        List<String> all = new ArrayList<>();
        all.add(scenario);
        all.addAll(List.of(args));
        try (TestJvm jvm = TestJvm.start(Child.class, childOptions(jfr), all.toArray(new String[0]))) {
            return finish(jvm, jfr);
        }
    }

    /** One carrier, no compensating carriers, and a JFR recording of every pinned park. */
    private static List<String> childOptions(Path jfr) {
        return List.of(
                "-Djdk.virtualThreadScheduler.parallelism=1",
                "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                "-XX:StartFlightRecording=filename=" + jfr
                        + ",jdk.VirtualThreadPinned#enabled=true,jdk.VirtualThreadPinned#threshold=0ms");
    }

    private static List<String> finish(TestJvm jvm, Path jfr) throws Exception {
        jvm.expect("END", Duration.ofSeconds(180));
        assertEquals(0, jvm.waitFor(), "the child's exit status; it printed " + jvm.output());
        List<String> out = jvm.output();
        out.forEach(l -> System.out.println("[child] " + l));
        List<String> failed = out.stream().filter(l -> l.startsWith("FAIL")).collect(Collectors.toList());
        assertTrue(failed.isEmpty(), "failed in the child: " + failed);
        assertNoPinningOfOurs(jfr);
        return out;
    }

    /** {@code jfr print --events jdk.VirtualThreadPinned}: no event with a frame of io.jouroboros. */
    private static void assertNoPinningOfOurs(Path jfr) throws Exception {
        assertTrue(Files.size(jfr) > 0, "no JFR recording at " + jfr);
        Path tool = Path.of(System.getProperty("java.home"), "bin", "jfr");
        Process p = new ProcessBuilder(tool.toString(), "print", "--events", "jdk.VirtualThreadPinned",
                "--stack-depth", "64", jfr.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jfr print did not end");
        assertEquals(0, p.exitValue(), "jfr print: " + text);
        // One "jdk.VirtualThreadPinned {" block per event.
        String[] events = text.split("jdk\\.VirtualThreadPinned \\{");
        int total = events.length - 1;
        List<String> ours = new ArrayList<>();
        int classInit = 0;
        int interruptLock = 0;
        for (int i = 1; i < events.length; i++) {
            if (classInit(events[i])) {
                // A class initialiser that other threads wait for pins them (the JVM's own, even on
                // JDK 25): the first uses of a class from many virtual threads at once, not a wait of ours.
                classInit++;
            } else if (jdkInterruptLock(events[i])) {
                // JDK 25 takes Thread.interruptLock in begin()/end() of every interruptible channel with
                // preemption disabled; when an interrupt() holds it at that moment, the virtual thread
                // pins on the JDK's own monitor. A SocketChannel pins there too: not a wait of ours.
                interruptLock++;
            } else if (events[i].contains("io.jouroboros.")) {
                ours.add(events[i]);
            }
        }
        if (classInit > 0) {
            System.out.println("JFR " + jfr.getFileName() + ": " + classInit + " pinned while a class initialised");
        }
        if (interruptLock > 0) {
            System.out.println("JFR " + jfr.getFileName() + ": " + interruptLock
                    + " pinned on the JDK's interrupt lock in AbstractInterruptibleChannel");
        }
        System.out.println("JFR " + jfr.getFileName() + ": " + total + " jdk.VirtualThreadPinned events, "
                + ours.size() + " with a frame of io.jouroboros");
        assertTrue(ours.isEmpty(), "virtual threads pinned in our code:\n" + String.join("\n---\n", ours));
    }

    /**
     * A pin of class initialisation: the initialising thread ({@code <clinit> on stack}), or one
     * that waits for another thread to finish initialising a class (JDK 25 names the class: once
     * "Waited for initialization of java.util.concurrent.locks.LockSupport by another thread",
     * with our Poller.await under it, in a run of 1,000 virtual threads at once).
     */
    static boolean classInit(String event) {
        return event.contains("<clinit> on stack")
                || event.contains("pinnedReason = \"Waited for initialization of ");
    }

    /** The class-initialisation filter takes both sides of a class initialisation, and nothing else. */
    @Test
    void theClassInitFilterTakesOnlyClassInitialisation() {
        String waiter = """
                  blockingOperation = "Object.wait"
                  pinnedReason = "Waited for initialization of java.util.concurrent.locks.LockSupport by another thread"
                  stackTrace = [
                    io.jouroboros.internal.Poller.await(int, int, boolean) line: 173
                  ]
                """;
        assertTrue(classInit(waiter), waiter);
        String monitor = waiter.replace("Waited for initialization of java.util.concurrent.locks.LockSupport by another thread",
                "Native or VM frame on stack");
        assertTrue(!classInit(monitor), monitor);
    }

    /**
     * A contended monitor enter whose top frame is {@code Thread.blockedOn}, called from
     * {@code AbstractInterruptibleChannel.begin} or {@code end}: the JDK's interrupt lock, not ours.
     */
    static boolean jdkInterruptLock(String event) {
        if (!event.contains("blockingOperation = \"Contended monitor enter\"")) {
            return false;
        }
        Matcher m = Pattern.compile("stackTrace = \\[\\s*([^\\n]+)").matcher(event);
        if (!m.find() || !m.group(1).trim().startsWith("java.lang.Thread.blockedOn(")) {
            return false;
        }
        return event.contains("java.nio.channels.spi.AbstractInterruptibleChannel.end(")
                || event.contains("java.nio.channels.spi.AbstractInterruptibleChannel.begin(");
    }

    /** The filter takes the JDK's interrupt lock only: a pin with a frame of ours on top still counts. */
    @Test
    void theInterruptLockFilterTakesOnlyTheJdksOwnMonitor() {
        String jdk = """
                  blockingOperation = "Contended monitor enter"
                  pinnedReason = "Freeze or preempt failed (2)"
                  stackTrace = [
                    java.lang.Thread.blockedOn(Interruptible) line: 373
                    java.lang.VirtualThread.blockedOn(Interruptible) line: 1027
                    java.nio.channels.spi.AbstractInterruptibleChannel.end(boolean) line: 207
                    io.jouroboros.Flow.runBlocking(boolean, Flow$NativeCall, int, int) line: 477
                  ]
                """;
        assertTrue(jdkInterruptLock(jdk), jdk);
        String ours = jdk.replace("java.lang.Thread.blockedOn(Interruptible) line: 373",
                "io.jouroboros.Flow.someLock() line: 1");
        assertTrue(!jdkInterruptLock(ours), ours);
        String nativeFrame = jdk.replace("Contended monitor enter", "Native or VM frame on stack");
        assertTrue(!jdkInterruptLock(nativeFrame), nativeFrame);
        String elsewhere = jdk.replace("java.nio.channels.spi.AbstractInterruptibleChannel.end(boolean)",
                "java.lang.Object.wait0(long)");
        assertTrue(!jdkInterruptLock(elsewhere), elsewhere);
    }

    private static Path jfrFile(String what) throws IOException {
        return TestSupport.scratchDir().resolve("vthreads-" + what + "-" + ProcessHandle.current().pid() + ".jfr");
    }

    @Test
    void oneCarrierIsNeverPinned() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> out = child("one-carrier", jfrFile("one-carrier"), TestSupport.unique("vt-one"));
            for (String c : List.of("accept-and-connect", "read-then-write", "write-then-read", "select",
                    "flowset")) {
                assertTrue(out.stream().anyMatch(l -> l.startsWith("OK " + c)), c + " not reported: " + out);
            }
        });
    }

    @Test
    void closeInterruptTimeoutAndPeerDeathAsWithSockets() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> out = child("semantics", jfrFile("semantics"), TestSupport.unique("vt-sem"));
            for (String c : List.of("read-close", "read-interrupt", "read-timeout", "read-peer-gone",
                    "read-interrupted-before", "read-non-blocking", "write-close", "write-interrupt",
                    "write-timeout", "accept-close", "accept-interrupt", "accept-timeout", "connect-interrupt",
                    "connect-timeout", "select-wakeup", "select-interrupt", "flowset-close")) {
                assertTrue(out.stream().anyMatch(l -> l.startsWith("OK " + c)), c + " not reported: " + out);
            }
        });
    }

    /**
     * Many virtual threads, each blocked reading its own flow, on one
     * carrier: all of them finish once the peer (this JVM, with platform
     * threads) writes.
     */
    @Test
    void manyBlockedReadersAllFinish() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            int n = Ouroboros.layer() == Layer.SYSTEM ? SYSTEM_READERS : EMBEDDED_READERS;
            String name = TestSupport.unique("vt-many");
            Path jfr = jfrFile("many");
            List<Flow> flows = new ArrayList<>();
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name)) {
                try (TestJvm jvm = TestJvm.start(Child.class, childOptions(jfr), "readers", name,
                        Integer.toString(n))) {
                    long t0 = System.nanoTime();
                    try (HelperThread<Void> acc = HelperThread.start("vt-many-accept", () -> {
                        for (int i = 0; i < n; i++) {
                            Flow f = srv.accept(Duration.ofSeconds(60));
                            synchronized (flows) {
                                flows.add(f);
                            }
                        }
                    })) {
                        acc.join(Duration.ofSeconds(170));
                    } catch (Exception | Error e) {
                        throw new AssertionError("accepted " + flows.size() + " of " + n + "; the child printed "
                                + jvm.output(), e);
                    }
                    long accepted = System.nanoTime();
                    String blocked = jvm.expect("BLOCKED", Duration.ofSeconds(60));
                    ByteBuffer one = ByteBuffer.allocateDirect(1);
                    for (Flow f : flows) {
                        f.write(one.clear());
                    }
                    // On the system layer the IRMd may hand our acceptor a flow whose allocation
                    // it then fails at the allocating side ("OAP response ID mismatch", "OAP
                    // completion failed" in its log, under concurrent allocations to one name);
                    // that side tries again and gets another flow. The orphan has no reader, and
                    // a reader's flow is left in the accept queue: accept and write on until DONE.
                    AtomicInteger extra = new AtomicInteger();
                    AtomicBoolean stop = new AtomicBoolean();
                    String done;
                    try (HelperThread<Void> more = HelperThread.start("vt-many-more", () -> {
                        ByteBuffer b = ByteBuffer.allocateDirect(1);
                        while (!stop.get()) {
                            Flow f;
                            try {
                                f = srv.accept(Duration.ofMillis(100));
                            } catch (FlowTimeoutException e) {
                                continue;
                            }
                            synchronized (flows) {
                                flows.add(f);
                            }
                            extra.incrementAndGet();
                            f.write(b.clear());
                        }
                    })) {
                        try {
                            done = jvm.expect("DONE", Duration.ofSeconds(60));
                        } finally {
                            stop.set(true);
                        }
                        more.join(Duration.ofSeconds(10));
                    } catch (AssertionError e) {
                        // Where are the SDUs of the readers still parked: still queued here?
                        StringBuilder b = new StringBuilder();
                        int queued = 0;
                        List<Flow> all;
                        synchronized (flows) {
                            all = new ArrayList<>(flows);
                        }
                        for (int i = 0; i < all.size(); i++) {
                            int q = all.get(i).txQueueLength();
                            if (q != 0) {
                                queued++;
                                b.append(' ').append(i).append(":tx=").append(q);
                            }
                        }
                        throw new AssertionError(e.getMessage() + "; flows of this JVM with an SDU not sent on: "
                                + queued + b, e);
                    }
                    if (extra.get() > 0) {
                        System.out.println(extra.get() + " flow(s) accepted beyond " + n
                                + ": as many orphans (allocations the IRMd failed after our accept)");
                    }
                    System.out.printf("%d flows opened by virtual threads and accepted in %.1f s; %s; %s%n", n,
                            (accepted - t0) / 1e9, blocked, done);
                    assertEquals("DONE " + n, done.substring(0, done.indexOf(" in ")));
                    finish(jvm, jfr);
                }
            } finally {
                for (Flow f : flows) {
                    f.close();
                }
            }
        });
    }

    /**
     * A virtual thread writing to a flow of another process (on the system
     * layer, through Ouroboros itself) parks when the flow is full, the
     * carrier runs others meanwhile, and it finishes as this JVM reads.
     */
    @Test
    void writerParksOnAFullFlowToAnotherProcess() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("vt-writer");
            Path jfr = jfrFile("writer");
            int size = 64 * Ouroboros.maxSdu();
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    TestJvm jvm = TestJvm.start(Child.class, childOptions(jfr), "writer", name,
                            Integer.toString(size))) {
                try (Flow f = srv.accept(Duration.ofSeconds(60))) {
                    jvm.expect("PARKED", Duration.ofSeconds(60));
                    long got = 0;
                    ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
                    while (got < size) {
                        int n = f.read(b.clear());
                        assertTrue(n > 0, "read " + n + " after " + got + " bytes");
                        got += n;
                    }
                    assertEquals(size, got);
                    finish(jvm, jfr);
                }
            }
        });
    }

    // ------------------------------------------------------- the child JVM

    /** The body of each test, in a JVM with one carrier; prints OK/FAIL lines, then END. */
    public static final class Child {
        private static final ThreadFactory VIRTUAL = virtualFactory();
        private static final Duration PARK = Duration.ofSeconds(10);

        private Child() {
        }

        public static void main(String[] args) throws Exception {
            TestJvm.haltOnUncaughtException();
            switch (args[0]) {
                case "one-carrier":
                    oneCarrier(args[1]);
                    break;
                case "semantics":
                    semantics(args[1]);
                    break;
                case "writer":
                    writer(args[1], Integer.parseInt(args[2]));
                    break;
                case "readers":
                    readers(args[1], Integer.parseInt(args[2]));
                    break;
                default:
                    throw new IllegalArgumentException(args[0]);
            }
            System.out.println("END");
            System.out.flush();
            System.exit(0); // normal exit: the JFR recording is written
        }

        /** {@code Thread.ofVirtual().factory()}, reached reflectively: this compiles with --release 17. */
        private static ThreadFactory virtualFactory() {
            try {
                Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
                return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory")
                        .invoke(builder);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("no virtual threads on " + Runtime.version(), e);
            }
        }

        /** A task on its own virtual thread. */
        static final class V<T> {
            final Thread thread;
            final FutureTask<T> task;

            V(String name, Callable<T> c) {
                task = new FutureTask<>(c);
                thread = VIRTUAL.newThread(task);
                thread.setName(name);
                thread.start();
            }

            T get() throws Exception {
                try {
                    return task.get(PARK.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
                } catch (TimeoutException e) {
                    throw new AssertionError(thread.getName() + " did not finish in " + PARK + "; "
                            + thread.getState() + " at " + stack(thread));
                }
            }

            /** What it threw (null if it returned), waiting up to 10 s. */
            Throwable thrown() throws Exception {
                try {
                    get();
                    return null;
                } catch (AssertionError e) {
                    throw e;
                } catch (Exception e) {
                    return e;
                }
            }

            /** Waits until it is parked (unmounted): WAITING or TIMED_WAITING, not RUNNABLE in native code. */
            V<T> parked() throws InterruptedException {
                long end = System.nanoTime() + PARK.toNanos();
                while (System.nanoTime() < end) {
                    Thread.State s = thread.getState();
                    if ((s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) && inOurs()) {
                        Thread.sleep(50);
                        return this;
                    }
                    if (task.isDone()) {
                        throw new AssertionError(thread.getName() + " ended before it blocked: " + outcome());
                    }
                    Thread.sleep(5);
                }
                throw new AssertionError(thread.getName() + " is " + thread.getState() + ", not parked, at "
                        + stack(thread));
            }

            private boolean inOurs() {
                for (StackTraceElement e : thread.getStackTrace()) {
                    if (e.getClassName().startsWith("io.jouroboros.") && !e.getClassName().contains("Test")) {
                        return true;
                    }
                }
                return false;
            }

            private String outcome() {
                try {
                    return String.valueOf(task.get());
                } catch (Exception e) {
                    return e.toString();
                }
            }
        }

        private static String stack(Thread t) {
            StringBuilder sb = new StringBuilder();
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("\n    ").append(e);
            }
            return sb.toString();
        }

        @FunctionalInterface
        interface Case {
            String run() throws Exception;
        }

        private static void check(String name, Case c) {
            try {
                String detail = c.run();
                System.out.println("OK " + name + (detail == null ? "" : " " + detail));
            } catch (Throwable e) {
                java.io.StringWriter w = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(w));
                System.out.println("FAIL " + name + ": " + w.toString().replace('\n', '|'));
            }
            System.out.flush();
        }

        private static void require(boolean ok, String what) {
            if (!ok) {
                throw new AssertionError(what);
            }
        }

        private static void requireThrew(Throwable e, Class<?> type, String what) {
            if (e == null || e.getClass() != type) {
                AssertionError a = new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + e);
                if (e != null) {
                    a.initCause(e);
                }
                throw a;
            }
        }

        /** A pair of flows: the client opened on a virtual thread, accepted on another. */
        private static Flow[] pair(FlowServerChannel srv, String name) throws Exception {
            V<Flow> acc = new V<>("accept", srv::accept);
            V<Flow> con = new V<>("connect", () -> Flow.open(name));
            return new Flow[] {con.get(), acc.get()};
        }

        private static long ms(long t0) {
            return (System.nanoTime() - t0) / 1_000_000;
        }

        // ------------------------------------------------- one carrier

        private static void oneCarrier(String name) throws Exception {
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name)) {
                check("accept-and-connect", () -> {
                    // A pinned accept would keep the connect (which needs it) from ever running.
                    V<Flow> acc = new V<>("accept", srv::accept).parked();
                    V<Flow> con = new V<>("connect", () -> Flow.open(name));
                    try (Flow c = con.get(); Flow a = acc.get()) {
                        return "both parked and met";
                    }
                });
                check("read-then-write", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        V<Integer> r = new V<Integer>("reader", () -> a.read(ByteBuffer.allocate(64))).parked();
                        long t0 = System.nanoTime();
                        V<Integer> w = new V<>("writer", () -> c.write(ByteBuffer.wrap(new byte[] {7})));
                        require(w.get() == 1, "write");
                        require(r.get() == 1, "read");
                        return "reader parked; writer ran; read after " + ms(t0) + " ms";
                    }
                });
                check("write-then-read", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        int size = 64 * Ouroboros.maxSdu();
                        V<Integer> w = new V<>("writer", () -> c.write(ByteBuffer.allocate(size))).parked();
                        V<Long> r = new V<>("reader", () -> {
                            long got = 0;
                            ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu());
                            while (got < size) {
                                got += a.read(b.clear());
                            }
                            return got;
                        });
                        require(r.get() == size, "read all");
                        require(w.get() == size, "wrote all");
                        return "writer parked on a full flow; reader drained " + size + " bytes";
                    }
                });
                check("select", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1];
                            Selector sel = FlowSelectorProvider.provider().openSelector()) {
                        a.configureBlocking(false);
                        a.register(sel, SelectionKey.OP_READ);
                        V<Integer> s = new V<>("select", sel::select).parked();
                        new V<>("writer", () -> c.write(ByteBuffer.wrap(new byte[] {1}))).get();
                        require(s.get() == 1, "one key selected");
                        return "select parked; woken by the write";
                    }
                });
                check("flowset", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]; FlowSet set = new FlowSet(a)) {
                        FlowEventQueue q = new FlowEventQueue();
                        V<Integer> s = new V<>("fset-wait", () -> set.wait(q, null)).parked();
                        new V<>("writer", () -> c.write(ByteBuffer.wrap(new byte[] {1}))).get();
                        require(s.get() >= 1, "an event");
                        return "FlowSet.wait parked; woken by the write";
                    }
                });
            }
        }

        // ------------------------------------------------- semantics

        private static void semantics(String name) throws Exception {
            String idle = name + "-idle";
            try (FlowServerChannel srv = FlowServerChannel.open().bind(name);
                    FlowServerChannel nobody = FlowServerChannel.open().bind(idle)) {
                check("read-close", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        V<Integer> r = new V<Integer>("reader", () -> a.read(ByteBuffer.allocate(8))).parked();
                        long t0 = System.nanoTime();
                        a.close();
                        requireThrew(r.thrown(), AsynchronousCloseException.class, "read");
                        return "in " + ms(t0) + " ms";
                    }
                });
                check("read-interrupt", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        boolean[] still = new boolean[1];
                        V<Integer> r = new V<Integer>("reader", () -> {
                            try {
                                return a.read(ByteBuffer.allocate(8));
                            } finally {
                                still[0] = Thread.currentThread().isInterrupted();
                            }
                        }).parked();
                        long t0 = System.nanoTime();
                        r.thread.interrupt();
                        requireThrew(r.thrown(), ClosedByInterruptException.class, "read");
                        require(still[0], "the interrupt status stays set");
                        require(!a.isOpen(), "the flow is closed");
                        return "in " + ms(t0) + " ms, flow closed, interrupt kept";
                    }
                });
                check("read-interrupted-before", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        V<Integer> r = new V<Integer>("reader", () -> {
                            Thread.currentThread().interrupt();
                            return a.read(ByteBuffer.allocate(8));
                        });
                        requireThrew(r.thrown(), ClosedByInterruptException.class, "read");
                        require(!a.isOpen(), "the flow is closed");
                        return null;
                    }
                });
                check("read-timeout", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        a.receiveTimeout(Duration.ofMillis(300));
                        long t0 = System.nanoTime();
                        V<Integer> r = new V<Integer>("reader", () -> a.read(ByteBuffer.allocate(8))).parked();
                        requireThrew(r.thrown(), FlowTimeoutException.class, "read");
                        long t = ms(t0);
                        require(t >= 290 && t < 5000, "timed out after " + t + " ms");
                        require(a.isOpen(), "the flow stays open");
                        // And it still reads afterwards.
                        c.write(ByteBuffer.wrap(new byte[] {3}));
                        require(new V<>("reader2", () -> a.read(ByteBuffer.allocate(8))).get() == 1, "read after");
                        return "after " + t + " ms";
                    }
                });
                check("read-peer-gone", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        c.write(ByteBuffer.wrap(new byte[] {1, 2}));
                        ByteBuffer b = ByteBuffer.allocate(8);
                        require(new V<>("reader", () -> a.read(b)).get() == 2, "queued data first");
                        V<Integer> r = new V<Integer>("reader", () -> a.read(b.clear())).parked();
                        c.close();
                        int n = r.get();
                        require(n == -1, "read gave " + n);
                        return "-1";
                    }
                });
                check("read-non-blocking", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        a.configureBlocking(false);
                        int n = new V<>("reader", () -> a.read(ByteBuffer.allocate(8))).get();
                        require(n == 0, "read gave " + n);
                        return "0 at once";
                    }
                });
                check("write-close", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        V<Integer> w = new V<>("writer",
                                () -> c.write(ByteBuffer.allocate(64 * Ouroboros.maxSdu()))).parked();
                        long t0 = System.nanoTime();
                        c.close();
                        requireThrew(w.thrown(), AsynchronousCloseException.class, "write");
                        return "in " + ms(t0) + " ms";
                    }
                });
                check("write-interrupt", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        boolean[] still = new boolean[1];
                        V<Integer> w = new V<Integer>("writer", () -> {
                            try {
                                return c.write(ByteBuffer.allocate(64 * Ouroboros.maxSdu()));
                            } finally {
                                still[0] = Thread.currentThread().isInterrupted();
                            }
                        }).parked();
                        w.thread.interrupt();
                        requireThrew(w.thrown(), ClosedByInterruptException.class, "write");
                        require(still[0], "the interrupt status stays set");
                        require(!c.isOpen(), "the flow is closed");
                        return null;
                    }
                });
                check("write-timeout", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        c.sendTimeout(Duration.ofMillis(300));
                        long t0 = System.nanoTime();
                        V<Integer> w = new V<>("writer",
                                () -> c.write(ByteBuffer.allocate(64 * Ouroboros.maxSdu())));
                        requireThrew(w.thrown(), FlowTimeoutException.class, "write");
                        long t = ms(t0);
                        require(t >= 290 && t < 5000, "timed out after " + t + " ms");
                        return "after " + t + " ms";
                    }
                });
                check("accept-close", () -> {
                    try (FlowServerChannel s = FlowServerChannel.open().bind(name + "-ac")) {
                        V<Flow> acc = new V<>("accept", s::accept).parked();
                        s.close();
                        requireThrew(acc.thrown(), AsynchronousCloseException.class, "accept");
                        return null;
                    }
                });
                check("accept-interrupt", () -> {
                    try (FlowServerChannel s = FlowServerChannel.open().bind(name + "-ai")) {
                        V<Flow> acc = new V<>("accept", s::accept).parked();
                        acc.thread.interrupt();
                        requireThrew(acc.thrown(), ClosedByInterruptException.class, "accept");
                        require(!s.isOpen(), "the channel is closed");
                        return null;
                    }
                });
                check("accept-timeout", () -> {
                    try (FlowServerChannel s = FlowServerChannel.open().bind(name + "-at")) {
                        long t0 = System.nanoTime();
                        V<Flow> acc = new V<>("accept", () -> s.accept(Duration.ofMillis(300))).parked();
                        requireThrew(acc.thrown(), FlowTimeoutException.class, "accept");
                        long t = ms(t0);
                        require(t >= 290 && t < 5000, "timed out after " + t + " ms");
                        return "after " + t + " ms";
                    }
                });
                check("connect-interrupt", () -> {
                    // Bound, never accepting: the allocation waits.
                    Flow f = Flow.open();
                    V<Boolean> con = new V<>("connect", () -> f.connect(idle)).parked();
                    con.thread.interrupt();
                    requireThrew(con.thrown(), ClosedByInterruptException.class, "connect");
                    require(!f.isOpen(), "the flow is closed");
                    return null;
                });
                check("connect-timeout", () -> {
                    long t0 = System.nanoTime();
                    V<Flow> con = new V<>("connect", () -> Flow.open(idle, QoSSpec.raw(), Duration.ofMillis(300)))
                            .parked();
                    requireThrew(con.thrown(), FlowTimeoutException.class, "connect");
                    long t = ms(t0);
                    require(t >= 290 && t < 5000, "timed out after " + t + " ms");
                    return "after " + t + " ms";
                });
                check("select-wakeup", () -> {
                    try (Selector sel = FlowSelectorProvider.provider().openSelector()) {
                        V<Integer> s = new V<>("select", sel::select).parked();
                        sel.wakeup();
                        require(s.get() == 0, "nothing selected");
                        // A wakeup before the select: it returns at once (and parks nowhere).
                        sel.wakeup();
                        require(new V<>("select2", sel::select).get() == 0, "pending wakeup");
                        return null;
                    }
                });
                check("select-interrupt", () -> {
                    try (Selector sel = FlowSelectorProvider.provider().openSelector()) {
                        boolean[] still = new boolean[1];
                        V<Integer> s = new V<Integer>("select", () -> {
                            try {
                                return sel.select();
                            } finally {
                                still[0] = Thread.currentThread().isInterrupted();
                            }
                        }).parked();
                        s.thread.interrupt();
                        require(s.get() == 0, "nothing selected");
                        require(still[0], "the interrupt status stays set");
                        require(sel.isOpen(), "the selector stays open");
                        return null;
                    }
                });
                check("flowset-close", () -> {
                    Flow[] p = pair(srv, name);
                    try (Flow c = p[0]; Flow a = p[1]) {
                        FlowSet set = new FlowSet(a);
                        V<Integer> s = new V<>("fset-wait", () -> set.wait(new FlowEventQueue(), null)).parked();
                        set.close();
                        Throwable e = s.thrown();
                        require(e instanceof java.nio.channels.ClosedChannelException, "wait after close: " + e);
                        return null;
                    }
                });
            }
        }

        // ------------------------------------------------- writer

        private static void writer(String name, int size) throws Exception {
            try (Flow f = new V<>("connect", () -> Flow.open(name)).get()) {
                V<Integer> w = new V<>("writer", () -> f.write(ByteBuffer.allocate(size))).parked();
                require(new V<>("other", () -> 42).get() == 42, "another virtual thread runs");
                System.out.println("PARKED");
                System.out.flush();
                check("writer", () -> {
                    require(w.get() == size, "wrote all");
                    return size + " bytes, parked while the flow was full";
                });
            }
        }

        // ------------------------------------------------- many readers

        private static void readers(String name, int n) throws Exception {
            AtomicInteger reading = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(n);
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            Flow[] opened = new Flow[n];
            boolean[] finished = new boolean[n];
            // The embedded accepting side holds at most 128 half-open handshakes (a defence
            // against peers that never send their request); a burst of thousands of
            // allocations to one server fails some with EIPCP. A limit of the layer, not of
            // threads: at most 64 allocations at a time.
            java.util.concurrent.Semaphore opening = new java.util.concurrent.Semaphore(64);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                int me = i;
                Thread t = VIRTUAL.newThread(() -> {
                    Flow f = null;
                    try {
                        opening.acquire();
                        try {
                            f = Flow.open(name);
                        } finally {
                            opening.release();
                        }
                        synchronized (opened) {
                            opened[me] = f;
                        }
                        reading.incrementAndGet();
                        int r = f.read(ByteBuffer.allocate(16));
                        if (r != 1) {
                            throw new IOException("read gave " + r);
                        }
                        synchronized (opened) {
                            finished[me] = true;
                        }
                        f.close();
                    } catch (Throwable e) {
                        errors.add(e);
                        if (f != null) {
                            try {
                                f.close();
                            } catch (IOException x) {
                                e.addSuppressed(x);
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                });
                t.start();
                threads.add(t);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(170);
            while (reading.get() < n && errors.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            if (!errors.isEmpty()) {
                System.out.println("FAIL readers: " + errors.size() + " failed, first: " + errors.get(0));
                return;
            }
            // Every reader parked, none RUNNABLE inside a native call.
            int parked = 0;
            for (long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); System.nanoTime() < stop;) {
                parked = 0;
                for (Thread t : threads) {
                    Thread.State s = t.getState();
                    if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                        parked++;
                    }
                }
                if (parked == n) {
                    break;
                }
                Thread.sleep(50);
            }
            System.out.println("BLOCKED " + reading.get() + " reading, " + parked + " parked, after "
                    + ms(t0) + " ms");
            System.out.flush();
            if (parked != n) {
                System.out.println("FAIL readers: only " + parked + " of " + n + " parked");
            }
            long t1 = System.nanoTime();
            if (!done.await(20, TimeUnit.SECONDS)) {
                // A reader still parked: is its SDU queued (a lost wake-up) or not there (lost data)?
                StringBuilder b = new StringBuilder();
                int stuck = 0;
                synchronized (opened) {
                    for (int i = 0; i < n; i++) {
                        if (opened[i] != null && !finished[i]) {
                            stuck++;
                            if (stuck <= 20) {
                                int q;
                                try {
                                    q = opened[i].rxQueueLength();
                                } catch (IOException e) {
                                    q = -1;
                                }
                                b.append(' ').append(i).append(":q=").append(q).append(',')
                                        .append(threads.get(i).getState());
                            }
                        }
                    }
                }
                System.out.println("STUCK " + stuck + " readers not done after 20 s:" + b);
                System.out.flush();
            }
            if (!done.await(100, TimeUnit.SECONDS)) {
                System.out.println("FAIL readers: " + done.getCount() + " still reading");
            }
            System.out.println("DONE " + (n - errors.size()) + " in " + ms(t1) + " ms");
            if (!errors.isEmpty()) {
                System.out.println("FAIL readers: " + errors.size() + " failed, first: " + errors.get(0));
            }
        }
    }
}
