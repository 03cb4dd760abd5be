/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import io.jouroboros.internal.Names;
import io.jouroboros.internal.Native;
import io.jouroboros.internal.Poller;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accepts flows to the names it is bound to: the seed's {@code flow_accept},
 * as a selectable channel ({@link SelectionKey#OP_ACCEPT}).
 *
 * <pre>{@code
 * try (FlowServerChannel server = FlowServerChannel.open().bind("oecho")) {
 *     try (Flow f = server.accept()) { ... }
 * }
 * }</pre>
 *
 * <p>{@link #bind(String...)} binds this process to the names
 * ({@link Ouroboros#bindProcess(String)}) and accepts their flows here.
 * Several processes (or several channels) bound to one name share its
 * flows. Closing the channel unbinds what it bound. A blocked
 * {@link #accept()} is woken by {@link #close()} from another thread
 * ({@link AsynchronousCloseException}) and by interrupt
 * ({@link java.nio.channels.ClosedByInterruptException}). On a virtual
 * thread (JDK 21+) a blocking accept parks instead of blocking in native
 * code, and its carrier runs other virtual threads meanwhile.
 */
public final class FlowServerChannel extends AbstractSelectableChannel {
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final NativeRef ref = new NativeRef(this, Native::serverWake, Native::serverFree);
    private final List<String> names = new ArrayList<>();
    // A virtual thread parked in accept, for close to wake.
    private final Poller.Slot acceptSlot = new Poller.Slot();

    FlowServerChannel(SelectorProvider provider) throws IOException {
        super(provider);
        int h = Native.serverOpen();
        if (h < 0) {
            throw Errors.exception(h, "open a server channel");
        }
        ref.set(h);
    }

    /**
     * An unbound server channel, in blocking mode.
     *
     * @return the channel
     * @throws IOException if the layer cannot run
     */
    public static FlowServerChannel open() throws IOException {
        return FlowSelectorProvider.provider().openFlowServerChannel();
    }

    /**
     * Binds this process to the names and accepts their flows on this channel.
     * Binding a name twice is harmless.
     *
     * @param names names of 1 to 255 bytes of UTF-8
     * @return this channel
     * @throws IllegalArgumentException if a name is bad (nothing is bound then)
     * @throws IOException if binding fails
     */
    public FlowServerChannel bind(String... names) throws IOException {
        byte[][] encoded = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            encoded[i] = Names.encode("name", names[i]);
        }
        int h = ref.acquire();
        try {
            for (int i = 0; i < names.length; i++) {
                int r = Native.serverBind(h, encoded[i]);
                if (r < 0) {
                    throw Errors.exception(r, "bind " + names[i]);
                }
                synchronized (this.names) {
                    if (!this.names.contains(names[i])) {
                        this.names.add(names[i]);
                    }
                }
            }
        } finally {
            ref.release();
        }
        return this;
    }

    /** @return the names bound so far, in order */
    public List<String> names() {
        synchronized (names) {
            return Collections.unmodifiableList(new ArrayList<>(names));
        }
    }

    /**
     * Accepts the next flow. In blocking mode it waits as long as it takes;
     * in non-blocking mode it returns {@code null} when none is waiting. A
     * peer that breaks the allocation handshake is refused here and never
     * seen by the caller.
     *
     * @return the connected flow, in blocking mode, or {@code null}
     * @throws NotYetBoundException if no name is bound
     * @throws IOException if accepting fails
     */
    public Flow accept() throws IOException {
        return accept(isBlocking() ? -1 : 0);
    }

    /**
     * Accepts the next flow, waiting at most {@code timeout} (even in
     * non-blocking mode).
     *
     * @param timeout how long to wait; {@code null} = forever
     * @return the connected flow, in blocking mode
     * @throws FlowTimeoutException if none arrived in time
     * @throws IOException if accepting fails
     */
    public Flow accept(Duration timeout) throws IOException {
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        long ns = timeout == null ? -1 : timeout.toNanos();
        Flow f = accept(ns);
        if (f == null) {
            throw Errors.exception(-Errors.ETIMEDOUT, "accept");
        }
        return f;
    }

    /** The first and the longest slice of a blocking accept, in nanoseconds. */
    private static final long SLICE_FIRST = 1_000_000L;
    private static final long SLICE_MAX = 256_000_000L;

    /**
     * A blocking {@link Native#serverAccept} (timeout in nanoseconds, -1: none)
     * in slices of 1 ms doubling to 256 ms, the thread's interrupt status asked
     * between two, as flow.c does for a flow's blocking calls: an interrupt the
     * JDK lost in {@code begin()} (JDK-8323782, JDK 14 to 22: the status is set,
     * the interruptor never runs) would otherwise leave accept waiting until a
     * flow comes. Returns the call's result, or {@code -EINTR}.
     */
    private static int acceptSliced(int h, long timeoutNanos, long[] qos) {
        long deadline = System.nanoTime() + timeoutNanos;
        long slice = SLICE_FIRST;
        while (true) {
            long left = timeoutNanos < 0 ? slice : deadline - System.nanoTime();
            int r = Native.serverAccept(h, Math.max(0, Math.min(left, slice)), qos);
            if (r != -Errors.ETIMEDOUT || (timeoutNanos >= 0 && deadline - System.nanoTime() <= 0)) {
                return r;
            }
            if (Thread.currentThread().isInterrupted()) {
                return -Errors.EINTR;
            }
            slice = Math.min(slice * 2, SLICE_MAX);
        }
    }

    private Flow accept(long timeoutNanos) throws IOException {
        acceptLock.lock();
        try {
            synchronized (names) {
                if (!isOpen()) {
                    throw new ClosedChannelException();
                }
                if (names.isEmpty()) {
                    throw new NotYetBoundException();
                }
            }
            int h = ref.acquire();
            long[] qos = new long[8];
            int r = -Errors.EWOKEN;
            try {
                boolean mayBlock = timeoutNanos != 0;
                try {
                    if (mayBlock) {
                        begin();
                    }
                    if (isOpen()) {
                        r = mayBlock && Poller.isVirtual() ? acceptParked(h, timeoutNanos, qos)
                                : mayBlock ? acceptSliced(h, timeoutNanos, qos)
                                : Native.serverAccept(h, timeoutNanos, qos);
                        if (r == -Errors.EINTR) {
                            // The JDK lost the interrupt in begin(): a second one runs the
                            // interruptor, which closes this channel, as the first should have.
                            Flow.LOST_INTERRUPTS.incrementAndGet();
                            begin();
                        }
                    }
                } finally {
                    if (mayBlock) {
                        try {
                            end(r != -Errors.EWOKEN && r != -Errors.EINTR);
                        } catch (IOException e) {
                            // Interrupted after a flow came in: it has no owner.
                            if (r >= 0) {
                                Native.flowFree(r);
                            }
                            throw e;
                        }
                    }
                }
            } finally {
                ref.release();
            }
            if (r >= 0) {
                Flow f = new Flow(provider(), r, QoSSpec.fromArray(qos));
                return f;
            }
            if (r == -Errors.EAGAIN || (r == -Errors.ETIMEDOUT && timeoutNanos == 0)) {
                return null;
            }
            if (r == -Errors.EWOKEN || r == -Errors.EINTR) {
                // Closed under the call: end() has thrown already; a fallback.
                throw new AsynchronousCloseException();
            }
            if (r == -Errors.ETIMEDOUT) {
                return null;
            }
            throw Errors.exception(r, "accept");
        } finally {
            acceptLock.unlock();
        }
    }

    /** A virtual thread's blocking accept: tries without waiting, parks until a flow is there. */
    private int acceptParked(int h, long timeoutNanos, long[] qos) {
        return Poller.await(Poller.READ, h, true, () -> {
            int r = Native.serverAccept(h, 0, qos);
            return r == -Errors.ETIMEDOUT ? -Errors.EAGAIN : r;
        }, () -> timeoutNanos, this::isOpen, acceptSlot);
    }

    /** {@code OP_ACCEPT}. */
    @Override
    public int validOps() {
        return SelectionKey.OP_ACCEPT;
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        // Each accept passes its own timeout: nothing native to change.
    }

    @Override
    protected void implCloseSelectableChannel() {
        ref.close();
        acceptSlot.wake();
    }

    /** What the selector sees of this channel; not public API. */
    final SelChannel sel = new SelChannel() {
        @Override
        public void kill() {
            ref.tryFree();
        }

        @Override
        public int registeredHandle() {
            return ref.peek();
        }

        @Override
        public boolean isServer() {
            return true;
        }

        @Override
        public int translateReadyOps(int events, int interestOps) {
            return (events & (Consts.EV_PKT | Consts.EV_DOWN)) != 0 ? interestOps & SelectionKey.OP_ACCEPT : 0;
        }

        @Override
        public int nativeInterest(int ops) {
            return (ops & SelectionKey.OP_ACCEPT) != 0 ? Consts.IN_READ : 0;
        }

        @Override
        public void addKey(FlowKey key) {
            // Accepting sides buffer nothing the native set cannot see.
        }

        @Override
        public void removeKey(FlowKey key) {
            // See addKey.
        }

        @Override
        public boolean hasBufferedInput() {
            return false;
        }
    };

    @Override
    public String toString() {
        return "FlowServerChannel[" + (isOpen() ? "names=" + names() : "closed") + "]";
    }
}
