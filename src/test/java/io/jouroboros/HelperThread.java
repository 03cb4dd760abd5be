/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A thread a test starts, whose outcome reaches the test (junixsocket's
 * {@code SocketTestBase.ServerThread} with {@code checkException()}): the
 * body runs on a named daemon thread; {@link #join(Duration)} returns what
 * it returned or rethrows what it threw, in the thread that joins, and
 * {@link #joinThrown(Duration)} returns what it threw when a throw is the
 * expected outcome. Every thread the suite's tests start is one of these
 * (a raw {@code new Thread} that throws is a test that cannot fail); the
 * threads of a child JVM report through its output instead
 * ({@link TestJvm#haltOnUncaughtException()}).
 *
 * <p>A helper whose outcome nobody took fails the test: {@link #close()}
 * (try-with-resources) takes it, interrupting a helper still running; and
 * {@link Check}, registered on the test class, does the same for every
 * helper a test (or its class, for helpers started in {@code @BeforeAll})
 * left behind, so that neither a failure nor a running thread outlives its
 * test unseen.
 */
public final class HelperThread<T> implements AutoCloseable {
    /** How long {@link #join()} waits. */
    static final Duration JOIN = Duration.ofSeconds(60);
    /** How long {@link #close()} waits for a helper it interrupted. */
    private static final Duration STOP = Duration.ofSeconds(5);

    /** Helpers not yet closed, or whose outcome was not taken yet. */
    private static final Set<HelperThread<?>> PENDING = ConcurrentHashMap.newKeySet();
    /** The unique id of the running test (or class, in its @BeforeAll), as {@link Check} sets it. */
    private static volatile String scope;

    /** A helper's body that returns nothing. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** The helper whose body runs on this thread, if any. */
    private static final ThreadLocal<HelperThread<?>> CURRENT = new ThreadLocal<>();

    private final Thread thread;
    /**
     * The scope it belongs to: its starter's, if a helper started it (an
     * acceptor of a test class starts helpers for what it accepts, which
     * belong to the class, however late they come), else the running test's.
     */
    private final String owner = CURRENT.get() != null ? CURRENT.get().owner : scope;
    private volatile T value;
    private volatile Throwable failure;
    private volatile boolean checked;

    private HelperThread(String name, Callable<T> body) {
        thread = new Thread(() -> {
            CURRENT.set(this);
            try {
                value = body.call();
            } catch (Throwable e) {
                failure = e;
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Starts {@code body} on a daemon thread named {@code name}. */
    static HelperThread<Void> start(String name, Body body) {
        return call(name, () -> {
            body.run();
            return null;
        });
    }

    /** Starts {@code body} on a daemon thread named {@code name}; {@link #join} returns its value. */
    static <T> HelperThread<T> call(String name, Callable<T> body) {
        HelperThread<T> h = new HelperThread<>(name, body);
        PENDING.add(h);
        try {
            h.thread.start();
        } catch (Throwable e) {
            PENDING.remove(h);
            throw e;
        }
        return h;
    }

    /** The thread, to look at (its stack, its state) or to interrupt. */
    Thread thread() {
        return thread;
    }

    String name() {
        return thread.getName();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    /**
     * Waits up to {@code max} for the helper to end, without taking its
     * outcome ({@link #join} or {@link #joinThrown} take it); returns
     * whether it ended.
     */
    boolean await(Duration max) throws InterruptedException {
        thread.join(Math.max(1, max.toMillis()));
        return !thread.isAlive();
    }

    /** {@link #join(Duration)} with {@link #JOIN}. */
    T join() throws Exception {
        return join(JOIN);
    }

    /**
     * Waits up to {@code max} for the helper to end and returns what its
     * body returned, or rethrows what it threw (an {@code Exception} as is,
     * an {@code Error} as is), in this thread.
     *
     * @throws AssertionError if the helper still runs after {@code max}
     */
    T join(Duration max) throws Exception {
        Throwable e = outcome(max);
        if (e == null) {
            return value;
        }
        e.addSuppressed(new Rethrown(name()));
        if (e instanceof Exception) {
            throw (Exception) e;
        }
        if (e instanceof Error) {
            throw (Error) e;
        }
        throw new AssertionError(name() + " failed", e);
    }

    /**
     * Waits up to {@code max} for a helper whose body should throw, and
     * returns what it threw.
     *
     * @throws AssertionError if the helper returned normally, or still runs after {@code max}
     */
    Throwable joinThrown(Duration max) throws InterruptedException {
        Throwable e = outcome(max);
        if (e == null) {
            throw new AssertionError(name() + " returned normally (" + value + ") where it should have thrown");
        }
        return e;
    }

    /** Waits, marks the outcome taken; null if the body returned normally. */
    private Throwable outcome(Duration max) throws InterruptedException {
        if (!await(max)) {
            // Reported here, so not again; close() or Check still stop it.
            checked = true;
            AssertionError e = new AssertionError(name() + " still running after " + max);
            e.setStackTrace(thread.getStackTrace());
            throw e;
        }
        taken();
        return failure;
    }

    private void taken() {
        checked = true;
        PENDING.remove(this);
    }

    /**
     * Takes the outcome if nobody did: a helper still running is
     * interrupted and fails the test, as does a failure nobody saw. A
     * helper whose outcome was taken is only stopped if it still runs.
     */
    @Override
    public void close() throws InterruptedException {
        boolean running = thread.isAlive();
        if (running) {
            thread.interrupt();
            thread.join(STOP.toMillis());
        }
        if (checked) {
            taken();
            return;
        }
        taken();
        if (running) {
            AssertionError e = new AssertionError(name() + " was still running when the test ended (interrupted"
                    + (thread.isAlive() ? ", and it did not end within " + STOP : "") + ")");
            e.setStackTrace(thread.getStackTrace());
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure != null) {
            throw new AssertionError(name() + " failed, and nobody joined it", failure);
        }
    }

    @Override
    public String toString() {
        return "helper " + name() + (thread.isAlive() ? " (running)" : failure != null ? " (failed: " + failure + ")"
                : " (done)");
    }

    /** Marks, in a helper's failure, that it was rethrown by a join, and where. */
    private static final class Rethrown extends Exception {
        private static final long serialVersionUID = 1L;

        Rethrown(String name) {
            super("the failure of " + name + ", rethrown in " + Thread.currentThread().getName());
        }
    }

    /**
     * Fails a test (or, after all of a class's tests, the class) that left a
     * helper thread behind whose outcome nobody took: still running, or
     * failed unseen. Registered for every test class through
     * {@code META-INF/services}, so a new class cannot forget it.
     */
    public static final class Check implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            scope = context.getUniqueId();
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            scope = context.getUniqueId();
        }

        @Override
        public void afterEach(ExtensionContext context) throws Exception {
            scope = context.getParent().map(ExtensionContext::getUniqueId).orElse(null);
            closeLeftovers(context.getUniqueId(), "test");
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            scope = null;
            closeLeftovers(context.getUniqueId(), "test class");
        }

        private static void closeLeftovers(String id, String what) throws InterruptedException {
            List<HelperThread<?>> left = new ArrayList<>();
            for (HelperThread<?> h : PENDING) {
                // Also helpers started by helpers of this scope, and those of a test under it.
                if (h.owner != null && h.owner.startsWith(id)) {
                    left.add(h);
                }
            }
            String seen = left.toString();
            AssertionError failed = null;
            for (HelperThread<?> h : left) {
                try {
                    h.close();
                } catch (AssertionError e) {
                    if (failed == null) {
                        failed = new AssertionError("the " + what + " left helper threads whose outcome nobody took: "
                                + seen);
                    }
                    failed.addSuppressed(e);
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
    }
}
