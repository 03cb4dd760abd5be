/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Blocking calls of virtual threads, after the JDK's {@code sun.nio.ch.Poller}:
 * a native call that blocks pins a virtual thread's carrier (JEP 444), so a
 * virtual thread never makes one. It tries the operation without waiting,
 * and when that would block it parks (unmounts) until the layer says the
 * channel is ready, then tries again ({@link #await}).
 *
 * <p>Readiness comes from two platform daemon threads of ours (never the
 * common pool), one for reads (and accept and connect) and one for writes,
 * each waiting in a flow set of the layer (the engine of our selectors, on
 * both layers). A registration is one-shot: level-triggered in the set
 * (an embedded ring's data edge-triggered, EV_RING, but a registration
 * signals what its ring already holds: either way the first event fires
 * it), and deleted by whichever comes first, the poller when it reports the channel
 * ready or the parked thread when it leaves (time out, close, interrupt).
 * Either deletes it under the registration's lock, and the parked thread
 * holds the channel's handle until then, so no handle is used after it is
 * freed. Two sets, since a flow can be read and written at once and a set
 * holds a member once.
 *
 * <p>Waits on a flow set itself (a blocking {@code select}, {@code FlowSet.wait})
 * have no readiness to wait for: {@link #callParked} runs such a wait on a
 * platform thread of ours and parks the virtual thread until it returns;
 * the set's own wake-up ends it as it ends a platform thread's wait.
 *
 * <p>On JDK 17 there are no virtual threads and nothing here runs:
 * {@link #isVirtual()} finds {@code Thread.isVirtual} reflectively, once.
 */
public final class Poller {
    /** The read poller: reads, accept, connect. */
    public static final int READ = 0;
    /** The write poller. */
    public static final int WRITE = 1;

    /** From a timeout supplier of {@link #await}: the caller asked not to wait (non-blocking flags). */
    public static final long NO_WAIT = Long.MIN_VALUE;

    private static final long SLICE = TimeUnit.MILLISECONDS.toNanos(10);
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();
    private static final Poller[] POLLERS = new Poller[2];

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // JDK 17-20: no virtual threads
        }
    }

    /** @return whether the calling thread is a virtual thread (never on JDK 17) */
    public static boolean isVirtual() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A non-blocking attempt: a result, or -EAGAIN when it would block. */
    @FunctionalInterface
    public interface Attempt {
        int run();
    }

    /**
     * The thread parked on a channel in one direction, for close to wake
     * ({@code SocketChannelImpl} unparks its readers and writers the same way).
     */
    public static final class Slot {
        private volatile Thread parked;

        /** Wakes the thread parked here, if any; it looks at the channel again. */
        public void wake() {
            Thread t = parked;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Runs a blocking operation on a virtual thread: {@code now} until it no
     * longer says -EAGAIN, parked in between until the poller reports the
     * member ready. The caller is inside {@code begin()}/{@code end()}, holds
     * the member's handle, and wakes {@code slot} when it closes the channel.
     *
     * @param dir {@link #READ} or {@link #WRITE}
     * @param handle the flow's or server's native handle
     * @param server whether it is a server (accepting side)
     * @param now the attempt
     * @param timeout asked after the first -EAGAIN: nanoseconds to wait in
     *                all, -1 forever; 0 or {@link #NO_WAIT} return that -EAGAIN,
     *                as the layer does with a zero timeout
     * @param open whether the channel is open
     * @param slot where close finds this thread
     * @return the attempt's result; -ETIMEDOUT when the time ran out;
     *         -EWOKEN when the channel closed or the thread was interrupted
     *         (the caller's {@code end()} tells which)
     */
    public static int await(int dir, int handle, boolean server, Attempt now, LongSupplier timeout,
            BooleanSupplier open, Slot slot) {
        long deadline = 0;
        boolean timed = false;
        boolean first = true;
        Thread me = Thread.currentThread();
        slot.parked = me;
        try {
            while (true) {
                if (!open.getAsBoolean() || me.isInterrupted()) {
                    return -Errors.EWOKEN;
                }
                int r = now.run();
                if (r != -Errors.EAGAIN) {
                    return r;
                }
                if (first) {
                    first = false;
                    long t = timeout.getAsLong();
                    if (t == NO_WAIT || t == 0) {
                        // A zero timeout means "do not wait" to the layer too (layer.h).
                        return r;
                    }
                    if (t >= 0) {
                        timed = true;
                        deadline = System.nanoTime() + t;
                    }
                }
                long left = 0;
                if (timed) {
                    left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return -Errors.ETIMEDOUT;
                    }
                }
                Registration reg = poller(dir).register(handle, server, me);
                if (reg == null) {
                    // The set refused it (the member is closing, or no memory): look again
                    // after a short nap, still parked rather than pinned.
                    LockSupport.parkNanos(timed ? Math.min(SLICE, left) : SLICE);
                    continue;
                }
                try {
                    // close() and interrupt() come after their state change and then unpark:
                    // looking again here, after publishing the slot, misses neither.
                    if (open.getAsBoolean() && !me.isInterrupted() && !reg.fired) {
                        if (timed) {
                            LockSupport.parkNanos(reg, left);
                        } else {
                            LockSupport.park(reg);
                        }
                    }
                } finally {
                    reg.cancel();
                }
            }
        } finally {
            slot.parked = null;
        }
    }

    // ------------------------------------------------------ the pollers

    private static Poller poller(int dir) {
        synchronized (POLLERS) {
            Poller p = POLLERS[dir];
            if (p == null) {
                p = new Poller(dir == READ ? "jouroboros-poller-read" : "jouroboros-poller-write",
                        dir == READ ? Consts.IN_READ : Consts.IN_WRITE);
                POLLERS[dir] = p;
            }
            return p;
        }
    }

    private final int fset;
    private final int interest;
    private final ConcurrentHashMap<Long, Registration> registered = new ConcurrentHashMap<>();
    private final AtomicLong tags = new AtomicLong();

    private Poller(String name, int interest) {
        int h = Native.fsetOpen();
        if (h < 0) {
            throw new IllegalStateException("cannot create the " + name + " flow set: "
                    + Errors.exception(h, "open a flow set").getMessage());
        }
        fset = h;
        this.interest = interest;
        Thread t = new Thread(this::run, name);
        t.setDaemon(true);
        t.start();
    }

    private Registration register(int handle, boolean server, Thread thread) {
        long tag = tags.incrementAndGet();
        Registration reg = new Registration(this, tag, handle, server, thread);
        registered.put(tag, reg);
        int r = Native.fsetCtl(fset, 0, handle, server, tag, interest);
        if (r < 0) {
            registered.remove(tag);
            return null;
        }
        return reg;
    }

    private void run() {
        long[] evTags = new long[256];
        int[] evs = new int[256];
        while (true) {
            int n = Native.fsetWait(fset, -1, evTags, evs);
            if (n == -Errors.EINTR) {
                continue;
            }
            if (n < 0) {
                // Nothing a parked thread could act on; its own timeout or close still ends it.
                System.err.println(Thread.currentThread().getName() + ": wait failed: "
                        + Errors.exception(n, "wait").getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                continue;
            }
            for (int i = 0; i < n; i++) {
                Registration reg = registered.get(evTags[i]);
                if (reg != null) {
                    reg.fire();
                }
            }
        }
    }

    /** One park of one thread on one member; deleted from the set once, by fire or cancel. */
    private static final class Registration {
        private final Poller poller;
        private final long tag;
        private final int handle;
        private final boolean server;
        private final Thread thread;
        volatile boolean fired;
        // guarded by this
        private boolean inSet = true;

        Registration(Poller poller, long tag, int handle, boolean server, Thread thread) {
            this.poller = poller;
            this.tag = tag;
            this.handle = handle;
            this.server = server;
            this.thread = thread;
        }

        /** The poller: ready. Leaves the set (a level-triggered member would be reported again). */
        void fire() {
            leave();
            fired = true;
            LockSupport.unpark(thread);
        }

        /** The parked thread, before it lets the handle go. */
        void cancel() {
            leave();
        }

        private void leave() {
            synchronized (this) {
                if (!inSet) {
                    return;
                }
                inSet = false;
                Native.fsetCtl(poller.fset, 2, handle, server, tag, 0);
            }
            poller.registered.remove(tag);
        }
    }

    // ------------------------------------------- waits that run elsewhere

    private static final ThreadPoolExecutor WAITERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
            30, TimeUnit.SECONDS, new SynchronousQueue<>(), new ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "jouroboros-wait-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });

    /**
     * Runs a blocking wait on a flow set on a platform thread of ours and
     * parks the calling virtual thread until it returns; an interrupt does
     * not cut the park short (the wait's own wake-up ends it, as a selector's
     * interrupt does through {@code wakeup()}), and stays set.
     *
     * @param call the native wait
     * @return its result
     */
    public static int callParked(IntSupplier call) {
        Offloaded task = new Offloaded(call, Thread.currentThread());
        try {
            WAITERS.execute(task);
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            return call.getAsInt(); // no thread to spare: pin rather than fail
        }
        boolean interrupted = false;
        while (!task.done) {
            LockSupport.park(task);
            if (Thread.interrupted()) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (task.failure != null) {
            throw task.failure;
        }
        return task.result;
    }

    private static final class Offloaded implements Runnable {
        private final IntSupplier call;
        private final Thread waiter;
        private int result;
        private RuntimeException failure;
        private volatile boolean done;

        Offloaded(IntSupplier call, Thread waiter) {
            this.call = call;
            this.waiter = waiter;
        }

        @Override
        public void run() {
            try {
                result = call.getAsInt();
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                done = true;
                LockSupport.unpark(waiter);
            }
        }
    }
}
