/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fault suite: close and interrupt race with a thread entering or blocked
 * in read, write, select, accept, connect and {@link FlowSet#wait}, at
 * random moments (before the call, on its way into native code, or well
 * inside it), many times each. Every race ends within a few seconds with
 * the JDK's outcome (AsynchronousCloseException, ClosedByInterruptException,
 * a select that returns), the peer sees a closed flow end, and no
 * descriptor is left. A call that does not end has every thread's stack
 * printed before the test fails ({@link FaultSupport#dumpStacks}), as does
 * a step of the test itself that hangs ({@link FaultSupport.Watchdog}).
 * Short run: 1,000 races per call; soak: 50,000.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultRaceTest {
    /** How long a woken call may take to end (a loaded 2-CPU machine). */
    private static final Duration WAKE = Duration.ofSeconds(5);

    private static final String NAME = TestSupport.unique("fault-race");
    private static final String NO_ACCEPT = TestSupport.unique("fault-race-noaccept");
    private static FlowServerChannel server;
    private static HelperThread<Void> acceptor;
    private static PeerProcess binder;
    private static final BlockingQueue<Flow> accepted = new LinkedBlockingQueue<>();

    /** The blocking calls raced. */
    enum Call { READ, WRITE, SELECT, ACCEPT, CONNECT, WAIT }

    /** What the other thread does. */
    enum Actor { CLOSE, INTERRUPT }

    @BeforeAll
    static void setUp() throws Exception {
        FaultSupport.warmUp();
        server = FlowServerChannel.open().bind(NAME);
        acceptor = HelperThread.start("race-accept", () -> {
            while (true) {
                try {
                    accepted.add(server.accept());
                } catch (ClosedChannelException e) {
                    return;
                }
            }
        });
        // Bound in another process that never accepts: a connect to it waits.
        binder = PeerProcess.start("bind-and-wait", NO_ACCEPT);
        binder.expect("READY");
    }

    /**
     * Connects the binder takes before it is replaced: it never accepts, so
     * each connect stays in its socket's accept queue (closed by its client
     * or not) until that is full (SOMAXCONN), and a connect then fails as to
     * a busy name (EIPCP), as to a TCP listener that never accepts. The soak
     * run's 50,000 connects would fill it.
     */
    private static final int BINDER_RACES = Integer.getInteger("jouroboros.fault.binderRaces", 2000);

    private static void newBinder() throws Exception {
        binder.send("rebind");
        binder.expect("REBOUND");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try (HelperThread<Void> a = acceptor; PeerProcess b = binder) {
            if (server != null) {
                server.close();
            }
            if (a != null) {
                a.join(Duration.ofSeconds(10));
            }
        }
        for (Flow f; (f = accepted.poll()) != null;) {
            f.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Call.class)
    void closeAndInterruptRaces(Call call) throws Exception {
        races(call, 1000, Duration.ofSeconds(100));
    }

    @ParameterizedTest
    @EnumSource(Call.class)
    @Tag("soak")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void closeAndInterruptRacesSoak(Call call) throws Exception {
        races(call, 50_000, Duration.ofMinutes(29));
    }

    /** The blocking calls of the focused wake-up runs. */
    enum Blocked { READ, READ_MESSAGE, WRITE, ACCEPT, SELECT }

    /** How many races {@link #wakeAtTheStartOfABlockedCall} runs per call (-D to run more). */
    private static final int WAKE_RACES = Integer.getInteger("jouroboros.fault.wakeRaces", 300);

    /**
     * Focused: interrupt or close lands just as a thread enters a blocking
     * read, message read, write, accept or select (no delay, a few microseconds of spin, up
     * to 50, or a millisecond after it was told to go), where a wake-up is
     * easiest to lose: in the channel's begin(), the handle's acquisition,
     * or before the native call starts to wait. One thread makes every
     * call, so no thread start blurs the timing. Each must end within 2 s.
     */
    @ParameterizedTest
    @EnumSource(Blocked.class)
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // long runs (-Djouroboros.fault.wakeRaces); the watchdog sees hangs
    void wakeAtTheStartOfABlockedCall(Blocked call) throws Exception {
        long seed = FaultSupport.seed("FaultRaceTest wake " + call);
        Random rnd = new Random(seed);
        Duration wake = Duration.ofSeconds(2);
        BlockingQueue<Object> outcomes = new LinkedBlockingQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        Job[] job = new Job[1];
        Object lock = new Object();
        Map<Actor, Integer> done = new EnumMap<>(Actor.class);
        Map<String, Double> slow = new java.util.TreeMap<>();
        long lost0 = Flow.LOST_INTERRUPTS.get();
        long t0 = System.nanoTime();
        Map<String, String> fds = TestSupport.fdSnapshot();
        try (HelperThread<Void> worker = HelperThread.start("wake-" + call, () -> {
            while (true) {
                Job j;
                synchronized (lock) {
                    while ((j = job[0]) == null && !stop.get()) {
                        lock.wait();
                    }
                    job[0] = null;
                }
                if (j == null) {
                    return;
                }
                j.ready = true;
                while (!j.go) {
                    Thread.onSpinWait();
                }
                Object out;
                try {
                    out = j.call.call();
                } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                    out = e; // a select that starts after close: ClosedSelectorException
                }
                // The interrupt status is the next call's no more.
                boolean interrupted = Thread.interrupted();
                outcomes.add(new Object[] {out, interrupted});
            }
        }); FaultSupport.Watchdog dog = new FaultSupport.Watchdog("wake-" + call)) {
            try {
                wakeRaces(call, rnd, wake, outcomes, job, lock, done, slow, worker, dog);
            } finally {
                stop.set(true);
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
            worker.join(Duration.ofSeconds(10));
        }
        System.out.printf("FaultRaceTest wake %s: %s races in %d ms; %s; interrupts the JDK lost, found by the"
                + " call: %d%n", call, done, (System.nanoTime() - t0) / 1_000_000, slow,
                Flow.LOST_INTERRUPTS.get() - lost0);
        TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), call + " wake races");
    }

    private static void wakeRaces(Blocked call, Random rnd, Duration wake, BlockingQueue<Object> outcomes, Job[] job,
            Object lock, Map<Actor, Integer> done, Map<String, Double> slow, HelperThread<Void> worker,
            FaultSupport.Watchdog dog)
            throws Exception {
        for (int i = 0; i < WAKE_RACES; i++) {
            Actor actor = rnd.nextBoolean() ? Actor.CLOSE : Actor.INTERRUPT;
            String what = call + " wake race " + i + " (" + actor + ")";
            dog.step(what, Duration.ofSeconds(30));
            try (Race r = new Race()) {
                // What the close actor closes, and whether it is open.
                AutoCloseable c;
                java.util.function.BooleanSupplier open;
                if (call == Blocked.ACCEPT) {
                    FlowServerChannel s = FlowServerChannel.open().bind(NAME + "-accept-" + i);
                    r.channel = s;
                    r.call = s::accept;
                    c = s;
                    open = s::isOpen;
                } else if (call == Blocked.SELECT) {
                    Selector sel = FlowSelectorProvider.provider().openSelector();
                    r.selector = sel;
                    r.call = sel::select;
                    c = sel;
                    open = sel::isOpen;
                } else {
                    pair(r);
                    c = r.client;
                    open = r.client::isOpen;
                }
                Flow f = r.client;
                switch (call) {
                    case ACCEPT:
                    case SELECT:
                        break;
                    case READ:
                        r.call = () -> f.read(ByteBuffer.allocate(100));
                        break;
                    case READ_MESSAGE:
                        r.call = () -> f.readMessage(ByteBuffer.allocateDirect(100));
                        break;
                    default:
                        fill(f);
                        r.call = () -> f.write(ByteBuffer.allocateDirect(4 * Ouroboros.maxSdu()));
                        break;
                }
                Job j = new Job(r.call);
                synchronized (lock) {
                    job[0] = j;
                    lock.notifyAll();
                }
                while (!j.ready) {
                    Thread.onSpinWait();
                }
                int kind = rnd.nextInt(8);
                long spin = kind < 2 ? 0 : kind < 5 ? rnd.nextInt(5_000) : kind < 7 ? rnd.nextInt(50_000) : -1;
                j.go = true;
                if (spin < 0) {
                    Thread.sleep(1);
                } else {
                    long until = System.nanoTime() + spin;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
                long acted = System.nanoTime();
                if (actor == Actor.CLOSE) {
                    c.close();
                } else {
                    worker.thread().interrupt();
                }
                Object[] o = (Object[]) outcomes.poll(wake.toMillis(), TimeUnit.MILLISECONDS);
                long ns = System.nanoTime() - acted;
                if (o == null) {
                    // Whether the close reached the channel (the interruptor ran) tells a lost
                    // interrupt (JDK) from a lost native wake-up.
                    String state = spin + " ns after go; channel " + (open.getAsBoolean() ? "open" : "closed")
                            + ", thread " + (worker.thread().isInterrupted() ? "interrupted" : "not interrupted");
                    FaultSupport.dumpStacks(what + ": the call still runs " + wake + " after the " + actor
                            + " (" + state + ")");
                    throw new AssertionError(what + ": the call did not end within " + wake + " after the "
                            + actor + " (" + state + "; every thread's stack is on the test's output)");
                }
                String got = what + ": " + (o[0] instanceof Throwable ? o[0].toString() : "returned " + o[0]);
                if (call == Blocked.SELECT) {
                    // A selector's select returns, as on a wake-up (or, closed before it
                    // started, throws ClosedSelectorException); an interrupt leaves it open.
                    assertTrue(o[0] instanceof Integer || (actor == Actor.CLOSE
                            && o[0] instanceof java.nio.channels.ClosedSelectorException), got);
                    if (actor == Actor.INTERRUPT) {
                        assertTrue((Boolean) o[1], got + ": the interrupt status stays set");
                    }
                    assertEquals(actor == Actor.INTERRUPT, open.getAsBoolean(), got + ": open afterwards");
                } else {
                    if (actor == Actor.CLOSE) {
                        assertTrue(o[0] instanceof ClosedChannelException
                                && !(o[0] instanceof ClosedByInterruptException), got);
                    } else {
                        assertEquals(ClosedByInterruptException.class, o[0].getClass(), got);
                        assertTrue((Boolean) o[1], got + ": the interrupt status stays set");
                    }
                    assertFalse(open.getAsBoolean(), got + ": closed afterwards");
                }
                slow.merge(actor + " slowest ms", ns / 1e6, Math::max);
                if (ns > 1_000_000) {
                    // Slower than a wake-up: a lost one found by the call's own check (flow.c).
                    slow.merge(actor + " over 1 ms", 1.0, Double::sum);
                }
            }
            done.merge(actor, 1, Integer::sum);
            dog.idle();
        }
    }

    /** One call of the focused runs, handed to its thread. */
    private static final class Job {
        final Callable<Object> call;
        volatile boolean ready;
        volatile boolean go;

        Job(Callable<Object> call) {
            this.call = call;
        }
    }

    /** One race's set-up: the call, and what close closes. */
    private static final class Race implements AutoCloseable {
        Callable<Object> call;
        AutoCloseable target;
        Flow client;
        Flow peer;
        Selector selector;
        FlowSet set;
        FlowServerChannel channel;

        @Override
        public void close() throws Exception {
            try (AutoCloseable a = client; AutoCloseable b = peer; AutoCloseable c = selector; AutoCloseable d = set;
                    AutoCloseable e = channel) {
                // all closed, whichever exist
            }
        }
    }

    private static void races(Call call, int count, Duration limit) throws Exception {
        long seed = FaultSupport.seed("FaultRaceTest " + call);
        Random rnd = new Random(seed);
        Map<Actor, Integer> done = new EnumMap<>(Actor.class);
        long[] slowest = new long[1];
        long t0 = System.nanoTime();
        Map<String, String> fds = TestSupport.fdSnapshot();
        assertTimeoutPreemptively(limit, () -> {
            try (FaultSupport.Watchdog dog = new FaultSupport.Watchdog("race-" + call)) {
                for (int i = 0; i < count; i++) {
                    if (call == Call.CONNECT && i > 0 && i % BINDER_RACES == 0) {
                        newBinder();
                    }
                    Actor actor = rnd.nextBoolean() ? Actor.CLOSE : Actor.INTERRUPT;
                    dog.step(call + " race " + i + " (" + actor + ")", Duration.ofSeconds(30));
                    long ns = race(call, actor, rnd, call + " race " + i + " (" + actor + ")");
                    slowest[0] = Math.max(slowest[0], ns);
                    done.merge(actor, 1, Integer::sum);
                    dog.idle();
                }
            }
        });
        System.out.printf("FaultRaceTest %s: %s races in %d ms; the slowest call ended %.1f ms after the race%n",
                call, done, (System.nanoTime() - t0) / 1_000_000, slowest[0] / 1e6);
        TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), call + " races");
    }

    /** One race; returns how long the call took to end after the close or interrupt. */
    private static long race(Call call, Actor actor, Random rnd, String what) throws Exception {
        try (Race r = setUp(call, actor)) {
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            try (HelperThread<Object> t = HelperThread.call("race-" + call, () -> {
                try {
                    return r.call.call();
                } catch (IOException | ClosedSelectorException e) {
                    return e;
                } finally {
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                }
            })) {
                // Before the call, on its way in, or inside it.
                switch (rnd.nextInt(4)) {
                    case 0:
                        break;
                    case 1:
                        long until = System.nanoTime() + rnd.nextInt(200_000);
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        break;
                    case 2:
                        Thread.sleep(0, rnd.nextInt(999_999) + 1);
                        break;
                    default:
                        Thread.sleep(1 + rnd.nextInt(5));
                        break;
                }
                long t0 = System.nanoTime();
                if (actor == Actor.CLOSE) {
                    r.target.close();
                } else {
                    t.thread().interrupt();
                }
                if (!t.await(WAKE)) {
                    FaultSupport.dumpStacks(what + ": the call still runs " + WAKE + " after the " + actor);
                    throw new AssertionError(what + ": the call did not end within " + WAKE
                            + " (every thread's stack is on the test's output)");
                }
                long ns = System.nanoTime() - t0;
                check(call, actor, r, t.join(Duration.ZERO), interruptedAfter.get(), what);
                return ns;
            }
        }
    }

    private static Race setUp(Call call, Actor actor) throws Exception {
        Race r = new Race();
        try {
            switch (call) {
                case READ:
                    pair(r);
                    r.call = () -> r.client.read(ByteBuffer.allocate(100));
                    break;
                case WRITE:
                    pair(r);
                    fill(r.client);
                    r.call = () -> r.client.write(ByteBuffer.allocateDirect(4 * Ouroboros.maxSdu()));
                    break;
                case SELECT:
                    pair(r);
                    r.selector = FlowSelectorProvider.provider().openSelector();
                    r.client.configureBlocking(false);
                    r.client.register(r.selector, SelectionKey.OP_READ);
                    r.target = r.selector;
                    r.call = () -> r.selector.select();
                    return r;
                case ACCEPT:
                    r.channel = FlowServerChannel.open().bind(TestSupport.unique("fault-race-accept"));
                    r.target = r.channel;
                    r.call = () -> r.channel.accept();
                    return r;
                case CONNECT:
                    r.client = Flow.open();
                    r.call = () -> r.client.connect(NO_ACCEPT);
                    break;
                case WAIT:
                    pair(r);
                    r.set = new FlowSet(r.client);
                    r.target = r.set;
                    if (actor == Actor.CLOSE) {
                        // Closing the set must wake a wait without a timeout.
                        r.call = () -> r.set.wait(new FlowEventQueue(), null);
                    } else {
                        // An interrupt does not wake a wait (a FlowSet is no channel): short waits
                        // until the interrupt shows, which none of them may swallow.
                        r.call = () -> {
                            int n;
                            do {
                                n = r.set.wait(new FlowEventQueue(), Duration.ofMillis(20));
                            } while (n == 0 && !Thread.currentThread().isInterrupted());
                            return n;
                        };
                    }
                    return r;
                default:
                    throw new AssertionError(call);
            }
            r.target = r.client;
            return r;
        } catch (Exception | Error e) {
            r.close();
            throw e;
        }
    }

    private static void pair(Race r) throws Exception {
        r.client = Flow.open(NAME, QoSSpec.raw(), Duration.ofSeconds(10));
        r.peer = accepted.poll(10, TimeUnit.SECONDS);
        assertTrue(r.peer != null, "the race server did not accept");
    }

    /** Fills the flow (its peer never reads) until a blocking write would wait. */
    private static void fill(Flow f) throws Exception {
        f.configureBlocking(false);
        ByteBuffer sdu = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
        int n = 0;
        while (f.writeMessage(sdu.clear()) > 0) {
            assertTrue(++n < 100_000, "the flow never filled");
        }
        f.configureBlocking(true);
    }

    /** The outcome of one race is the JDK's. */
    private static void check(Call call, Actor actor, Race r, Object outcome, boolean interruptedAfter, String what)
            throws Exception {
        String got = what + ": " + (outcome instanceof Throwable ? outcome.toString() : "returned " + outcome);
        if (actor == Actor.INTERRUPT) {
            assertTrue(interruptedAfter, got + ": the interrupt status stays set");
        }
        switch (call) {
            case SELECT:
                if (actor == Actor.CLOSE) {
                    // Closed before select began: ClosedSelectorException; during it: select returns.
                    assertTrue(outcome instanceof Integer || outcome instanceof ClosedSelectorException, got);
                    assertFalse(r.selector.isOpen(), got);
                } else {
                    assertTrue(outcome instanceof Integer, got);
                    assertTrue(r.selector.isOpen(), got + ": an interrupt leaves the selector open");
                }
                assertTrue(r.client.isOpen(), got + ": the selector never closes the user's flow");
                return;
            case WAIT:
                if (actor == Actor.CLOSE) {
                    // Closed before or during the wait: the closed set says so, or the wait ends empty.
                    assertTrue(outcome instanceof ClosedChannelException || Integer.valueOf(0).equals(outcome), got);
                } else {
                    assertEquals(0, outcome, got);
                }
                assertTrue(r.client.isOpen(), got + ": the set never closes its flows");
                return;
            default:
                break;
        }
        // read, write, accept, connect: the JDK's exceptions, and the channel closed.
        if (actor == Actor.CLOSE) {
            assertTrue(outcome instanceof ClosedChannelException && !(outcome instanceof ClosedByInterruptException),
                    got);
        } else {
            assertEquals(ClosedByInterruptException.class, outcome.getClass(), got);
        }
        assertFalse(((java.nio.channels.Channel) r.target).isOpen(), got + ": closed afterwards");
        if (r.peer != null) {
            // The peer sees the end of a flow closed under a read or write (after what was queued).
            ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
            r.peer.receiveTimeout(Duration.ofSeconds(10));
            int n;
            int sdus = 0;
            while ((n = r.peer.readMessage(b.clear())) >= 0) {
                assertTrue(++sdus < 100_000, got + ": the peer never saw the end");
            }
            assertEquals(-1, n, got);
        }
        if (outcome instanceof AsynchronousCloseException || outcome instanceof ClosedChannelException) {
            return;
        }
        throw new AssertionError(got);
    }
}
