/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import io.jouroboros.internal.LayerRuntime;
import io.jouroboros.internal.Native;
import io.jouroboros.internal.Poller;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A set of flows to wait on for events, without a selector: Ouroboros's
 * {@code fset_t} with {@code fevent}, pyOuroboros's {@code FlowSet}.
 * Events are edge-like, as in Ouroboros: a wait reports each SDU that
 * arrived since the previous wait as one {@link FlowEventType#PACKET} event
 * (whether or not it was read), and a flow whose peer is gone once as
 * {@link FlowEventType#DOWN}. For readiness that holds until the data is
 * read, use a {@link java.nio.channels.Selector} from
 * {@link FlowSelectorProvider}.
 *
 * <p>Thread-safe; close it (try-with-resources) when done. Closing a member
 * flow removes it.
 */
public final class FlowSet implements AutoCloseable {
    private final int handle;
    // guarded by this
    private final Map<Flow, Member> members = new HashMap<>();
    private final List<Member> slots = new ArrayList<>();
    private final ArrayList<Integer> free = new ArrayList<>();
    private boolean closed;
    // Only the waiting thread touches these.
    private final long[] tags = new long[256];
    private final int[] evs = new int[256];
    private final int[] one = new int[1]; // a handle for Native.fsetReady (under this)
    private final Object waitLock = new Object();

    private static final class Member {
        final Flow flow;
        final int slot;
        long seen;

        Member(Flow flow, int slot, long seen) {
            this.flow = flow;
            this.slot = slot;
            this.seen = seen;
        }
    }

    /**
     * An empty set.
     *
     * @throws IOException if the layer cannot run
     */
    public FlowSet() throws IOException {
        LayerRuntime.ensure();
        int h = Native.fsetOpen();
        if (h < 0) {
            throw Errors.exception(h, "create a flow set");
        }
        handle = h;
    }

    /**
     * A set of the given flows.
     *
     * @param flows connected flows
     * @throws IOException if one cannot be added (the set is closed then)
     */
    public FlowSet(Flow... flows) throws IOException {
        this(List.of(flows));
    }

    /**
     * A set of the given flows.
     *
     * @param flows connected flows
     * @throws IOException if one cannot be added (the set is closed then)
     */
    public FlowSet(Collection<Flow> flows) throws IOException {
        this();
        try {
            for (Flow f : flows) {
                add(f);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * SDUs that ever arrived on the flow, or -1 if the layer does not count
     * them or the flow broke. On the embedded layer the count is the peer's,
     * and native code checks it against what its socket can hold beyond what
     * this end read (a value out of range takes the flow down instead), so
     * the number of packet events of a wait is bounded by real traffic.
     */
    private static long arrived(int h) {
        long n = Native.flowCntl(h, Consts.JOURGRXTOTAL, 0);
        return n < 0 ? -1 : n;
    }

    /**
     * Adds a flow ({@code fset_add}); adding a member again does nothing.
     * SDUs already queued on it count as arrived since it joined: the next
     * wait reports them, one {@link FlowEventType#PACKET} event each.
     *
     * @param flow a connected flow
     * @throws ClosedChannelException if the flow is closed
     * @throws java.nio.channels.NotYetConnectedException if it is not connected
     * @throws IOException if the layer refuses
     */
    public synchronized void add(Flow flow) throws IOException {
        Objects.requireNonNull(flow, "flow");
        ensureOpen();
        if (members.containsKey(flow)) {
            return;
        }
        if (!flow.isConnected()) {
            if (!flow.isOpen()) {
                throw new ClosedChannelException();
            }
            throw new java.nio.channels.NotYetConnectedException();
        }
        int h = flow.acquireHandle();
        try {
            int slot = free.isEmpty() ? slots.size() : free.remove(free.size() - 1);
            // What is queued counts as arrived since the flow joined (as fset_add reports it).
            long arrived = arrived(h);
            long queued = Native.flowCntl(h, Consts.FLOWGRXQLEN, 0);
            Member m = new Member(flow, slot, arrived < 0 || queued <= 0 ? arrived : Math.max(0, arrived - queued));
            int r = Native.fsetCtl(handle, 0, h, false, slot, Consts.IN_READ | Consts.IN_EDGE);
            if (r < 0) {
                free.add(slot);
                throw Errors.exception(r, "add a flow to a flow set");
            }
            if (slot == slots.size()) {
                slots.add(m);
            } else {
                slots.set(slot, m);
            }
            members.put(flow, m);
        } finally {
            flow.releaseHandle();
        }
    }

    /**
     * Removes a flow ({@code fset_del}); removing a non-member does nothing.
     *
     * @param flow the flow
     */
    public synchronized void remove(Flow flow) {
        Member m = members.remove(flow);
        if (m == null) {
            return;
        }
        slots.set(m.slot, null);
        free.add(m.slot);
        if (closed) {
            return;
        }
        try {
            int h = flow.acquireHandle();
            try {
                Native.fsetCtl(handle, 2, h, false, m.slot, 0);
            } finally {
                flow.releaseHandle();
            }
        } catch (ClosedChannelException e) {
            // A closed flow left the native set when its descriptor closed.
        }
    }

    /** Removes every flow ({@code fset_zero}). */
    public synchronized void zero() {
        for (Flow f : new ArrayList<>(members.keySet())) {
            remove(f);
        }
    }

    /**
     * @param flow a flow
     * @return whether it is a member ({@code fset_has})
     */
    public synchronized boolean contains(Flow flow) {
        return members.containsKey(flow);
    }

    /** @return the number of members */
    public synchronized int size() {
        return members.size();
    }

    /**
     * Waits for events on the members and puts them in {@code queue},
     * replacing what it held ({@code fevent}).
     *
     * @param queue the queue to fill
     * <p>On a virtual thread (JDK 21+) the wait parks the thread (a platform
     * thread of ours waits in the set meanwhile) rather than pinning its carrier.
     *
     * @param timeout how long to wait; {@code null} = until an event comes
     * @return the number of events, 0 if the time ran out
     * @throws IOException if waiting fails or the set is closed
     */
    public int wait(FlowEventQueue queue, Duration timeout) throws IOException {
        Objects.requireNonNull(queue, "queue");
        if (timeout != null && timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        long deadline = timeout == null ? -1 : System.nanoTime() + saturatedNanos(timeout);
        queue.clear();
        boolean parked = Poller.isVirtual();
        synchronized (waitLock) {
            while (true) {
                synchronized (this) {
                    ensureOpen();
                }
                long left = deadline < 0 ? -1 : Math.max(0, deadline - System.nanoTime());
                int n = parked && left != 0 ? parkedWait(left) : Native.fsetWait(handle, left, tags, evs);
                if (n == -Errors.EINTR) {
                    continue;
                }
                if (n < 0) {
                    throw Errors.exception(n, "wait on a flow set");
                }
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        translate((int) tags[i], evs[i], queue);
                    }
                }
                if (!queue.isEmpty() || left == 0) {
                    return queue.size();
                }
            }
        }
    }

    /**
     * A virtual thread's wait: a look without waiting, then the wait on a
     * platform thread of ours while this one parks. close() wakes that wait
     * through the set's wake-up; one the look took is seen as closed.
     */
    private int parkedWait(long left) throws ClosedChannelException {
        int n = Native.fsetWait(handle, 0, tags, evs);
        if (n != 0) {
            return n;
        }
        synchronized (this) {
            ensureOpen();
        }
        return Poller.callParked(() -> Native.fsetWait(handle, left, tags, evs));
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    private void translate(int slot, int ev, FlowEventQueue queue) {
        Member m = slot >= 0 && slot < slots.size() ? slots.get(slot) : null;
        if (m == null || !m.flow.isOpen()) {
            return;
        }
        if ((ev & Consts.EV_PKT) != 0) {
            long packets = 1;
            try {
                int h = m.flow.acquireHandle();
                try {
                    long now = arrived(h);
                    if (now >= 0 && m.seen >= 0) {
                        // An honest count can step back by one (a send that failed).
                        packets = Math.max(0, now - m.seen);
                    }
                    m.seen = now;
                    if (packets == 0) {
                        // A wake-up that brought nothing: drained if the ring is empty, so a
                        // kernel that repeats a nested set's ready member (before about
                        // 5.11) does not repeat it (embedded_rflow.c, e_flow_rx_ready).
                        one[0] = h;
                        Native.fsetReady(one, 1, true);
                    }
                } finally {
                    m.flow.releaseHandle();
                }
            } catch (ClosedChannelException e) {
                return;
            }
            for (long k = 0; k < packets; k++) {
                queue.add(new FlowEvent(m.flow, FlowEventType.PACKET));
            }
        }
        if ((ev & Consts.EV_DOWN) != 0) {
            queue.add(new FlowEvent(m.flow, FlowEventType.DOWN));
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (closed) {
            throw new ClosedChannelException();
        }
    }

    /** Destroys the set ({@code fset_destroy}); the flows stay open. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            members.clear();
            slots.clear();
        }
        Native.fsetWake(handle, true);
        synchronized (waitLock) {
            Native.fsetFree(handle);
        }
    }
}
