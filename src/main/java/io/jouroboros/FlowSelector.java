/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import io.jouroboros.internal.Native;
import io.jouroboros.internal.Poller;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The selector of flow channels, after the JDK's {@code SelectorImpl} and
 * {@code EPollSelectorImpl}: level-triggered; ready sets OR-ed into keys that
 * are already selected; {@code select} counts the keys whose ready set
 * changed; interest changes are queued and applied inside select; cancelled
 * keys are deregistered at the next select; one wake-up source with a
 * coalescing flag. Native readiness comes from the layer's flow set, in one
 * batch per wait, so the cost of a select follows the ready flows, not the
 * registered ones. A blocking select on a virtual thread (JDK 21+) parks
 * while a platform thread of ours waits in the set ({@link Poller#callParked}).
 *
 * <p>A ring flow's data (embedded layer) comes edge-triggered
 * ({@code EV_RING}): its key is looked at then, and at each select after,
 * until a look finds its ring empty ({@link Native#fsetReady}, one call for
 * all a select looks at, memory only). So readiness stays level-triggered,
 * and no read drains an eventfd.
 */
final class FlowSelector extends AbstractSelector {
    private static final int BATCH = 256;
    /** How often a blocking select waits again after a wake-up that brought nothing. */
    private static final int REWAITS = 16;

    private final int fset;
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    // An identity set: no node allocated per key added, so a select allocates nothing.
    private final Set<SelectionKey> selectedKeys = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<SelectionKey> publicSelectedKeys = new Ungrowable(selectedKeys);

    private final long[] tags = new long[BATCH];
    private final int[] events = new int[BATCH];
    // guarded by this (the select lock)
    private final List<FlowKey> slots = new ArrayList<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final Set<FlowKey> unarmed = new HashSet<>();
    private boolean inSelect;
    private long selectCount;

    private final Object updateLock = new Object();
    private final ArrayDeque<FlowKey> updateKeys = new ArrayDeque<>();
    // Keys whose channels buffer input the native set cannot see.
    private final Set<FlowKey> buffered = ConcurrentHashMap.newKeySet();
    // guarded by this: ring flows' keys found readable (inRing), to look at again at the
    // next select; those an EV_RING of this wait names; the spare list of a look; its handles.
    private ArrayList<FlowKey> ringKeys = new ArrayList<>();
    private ArrayList<FlowKey> ringSpare = new ArrayList<>();
    private final ArrayList<FlowKey> ringNew = new ArrayList<>();
    private final FlowKey[] lookKeys = new FlowKey[BATCH];
    private final int[] lookHandles = new int[BATCH];
    private final int[] lookOps = new int[BATCH];
    // guarded by this: the keys this select noted ready (note()), each reported once
    private final ArrayList<FlowKey> touched = new ArrayList<>();

    private final Object interruptLock = new Object();
    private boolean interruptTriggered;

    FlowSelector(SelectorProvider provider) throws IOException {
        super(provider);
        int h = Native.fsetOpen();
        if (h < 0) {
            throw Errors.exception(h, "open a selector");
        }
        fset = h;
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelectedKeys;
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        if (!(ch instanceof Flow) && !(ch instanceof FlowServerChannel)) {
            throw new IllegalSelectorException();
        }
        FlowKey k = new FlowKey(ch, this);
        if (att != null) {
            k.attach(att);
        }
        keys.add(k);
        k.sel().addKey(k);
        try {
            k.interestOps(ops);
        } catch (ClosedSelectorException e) {
            keys.remove(k);
            k.cancel();
            throw e;
        }
        return k;
    }

    /** Queues an interest change; applied by the next select. */
    void setEventOps(FlowKey k) {
        synchronized (updateLock) {
            ensureOpen();
            updateKeys.addLast(k);
        }
    }

    /** A channel buffers input for this key: the next select reports it. */
    void markBuffered(FlowKey k) {
        buffered.add(k);
    }

    // ------------------------------------------------------------ select

    @Override
    public int selectNow() throws IOException {
        return lockAndDoSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout");
        }
        return lockAndDoSelect(null, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select() throws IOException {
        return lockAndDoSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout");
        }
        return lockAndDoSelect(java.util.Objects.requireNonNull(action), timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return lockAndDoSelect(java.util.Objects.requireNonNull(action), -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        return lockAndDoSelect(java.util.Objects.requireNonNull(action), 0);
    }

    private int lockAndDoSelect(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        synchronized (this) {
            ensureOpen();
            if (inSelect) {
                throw new IllegalStateException("select in progress");
            }
            inSelect = true;
            try {
                synchronized (publicSelectedKeys) {
                    return doSelect(action, timeoutMillis);
                }
            } finally {
                inSelect = false;
            }
        }
    }

    /*
     * A select gathers each key's ready set from every source first (data buffered
     * in the channel, the rings looked at again, the wait's events, the rings its
     * EV_RING names), in note(), and reports each key once at the end: one ready set
     * a key, counted once, its action run once with all of it.
     */
    private int doSelect(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        selectCount++;
        processUpdateQueue();
        processDeregisterQueue();
        armPending();
        try {
            bufferedReady();
            ringAgain();
            long timeout = !touched.isEmpty() ? 0 : timeoutMillis < 0 ? -1 : timeoutMillis * 1_000_000L;
            long deadline = timeout > 0 ? System.nanoTime() + timeout : 0;
            boolean blocking = timeout != 0;
            int rewaits = 0;
            while (true) {
                int n;
                try {
                    if (blocking) {
                        begin();
                    }
                    boolean parked = blocking && Poller.isVirtual();
                    while (true) {
                        n = parked ? parkedWait(timeout) : slicedWait(timeout);
                        if (n != -Errors.EINTR) {
                            break;
                        }
                        if (timeout > 0) {
                            timeout = Math.max(0, deadline - System.nanoTime());
                        }
                    }
                } finally {
                    if (blocking) {
                        end();
                    }
                }
                if (n < 0) {
                    throw Errors.exception(n, "select");
                }
                boolean woken = clearInterrupt();
                processDeregisterQueue();
                boolean ringsOnly = processEvents(n) && n > 0;
                if (!ringNew.isEmpty()) {
                    look(ringNew, ringKeys, true);
                    ringNew.clear();
                }
                // A blocking select that woke only for rings found empty (their SDUs read
                // meanwhile, or a peer's wake-up for nothing) waits on, as if never woken;
                // a few times at most: then it returns 0, as NIO allows.
                if (!touched.isEmpty() || !blocking || !ringsOnly || woken || !isOpen()
                        || ++rewaits > REWAITS) {
                    break;
                }
                if (timeout > 0) {
                    timeout = deadline - System.nanoTime();
                    if (timeout <= 0) {
                        break;
                    }
                }
            }
            return report(action);
        } finally {
            touched.clear();
        }
    }

    /** Adds ops (already translated; those k is interested in) to what this select reports for k. */
    private void note(FlowKey k, int ops) {
        ops &= k.nioInterestOps();
        if (ops == 0) {
            return;
        }
        if (k.notedIn != selectCount) {
            k.notedIn = selectCount;
            k.notedOps = ops;
            touched.add(k);
        } else {
            k.notedOps |= ops;
        }
    }

    /** Reports each key noted in this select once; an action that throws leaves the rest to the next. */
    private int report(Consumer<SelectionKey> action) {
        int count = 0;
        for (int i = 0; i < touched.size(); i++) {
            FlowKey k = touched.get(i);
            if (k.isValid()) {
                count += processReady(k, k.notedOps, action);
            }
        }
        return count;
    }

    /** Looks again at the rings found readable before: level-triggered readiness. */
    private void ringAgain() {
        if (ringKeys.isEmpty()) {
            return;
        }
        ArrayList<FlowKey> from = ringKeys;
        ringKeys = ringSpare;
        ringSpare = from;
        look(from, ringKeys, false);
        from.clear();
    }

    /**
     * Looks at the rings of the keys in {@code from}, a batch at a time (one native
     * call each, memory only): notes each readable one as the set's data would be
     * ({@code EV_PKT}: OP_READ, or OP_CONNECT while connecting) and keeps it in
     * {@code keep}; the empty ones leave the ring keys, as their next SDU signals
     * (embedded_fset.c), and with {@code drain} (just after a wait: an EV_RING that
     * brought nothing) lose that wake-up too. A key whose interest does not take that
     * readiness leaves them as well, its registration marked stale, so that the next
     * interest change re-arms the set, which then signals what the ring holds; but a
     * flow still connecting stays while readable: finishing changes what it reports.
     */
    private void look(ArrayList<FlowKey> from, ArrayList<FlowKey> keep, boolean drain) {
        int size = from.size();
        for (int i = 0; i < size;) {
            int m = 0;
            for (; i < size && m < BATCH; i++) {
                FlowKey k = from.get(i);
                k.inRing = false;
                if (!k.isValid() || !k.armed) {
                    continue; // cancelled: implDereg leaves it to this
                }
                int ops = ringOps(k);
                if (ops < 0) {
                    k.registeredInterest = -1;
                    if (!drain) {
                        continue; // after a wait, looked at all the same: an empty one is drained
                    }
                }
                lookKeys[m] = k;
                lookOps[m] = ops;
                lookHandles[m++] = k.armedHandle;
            }
            if (m == 0) {
                continue;
            }
            if (Native.fsetReady(lookHandles, m, drain) < 0) {
                Arrays.fill(lookHandles, 0, m, 1); // cannot happen (m <= BATCH): report, the read tells
            }
            for (int j = 0; j < m; j++) {
                FlowKey k = lookKeys[j];
                lookKeys[j] = null;
                if (lookHandles[j] != 0 && lookOps[j] >= 0) {
                    keep.add(k);
                    k.inRing = true;
                    note(k, lookOps[j]);
                }
            }
        }
    }

    /**
     * What a ring's data means to k now, among the ops it is interested in; -1 when it
     * takes none of them and is not connecting (finishing changes what it reports).
     */
    private static int ringOps(FlowKey k) {
        int interest = k.nioInterestOps();
        int ops = k.sel().translateReadyOps(Consts.EV_PKT, interest) & interest;
        return ops != 0 || connecting(k) ? ops : -1;
    }

    private static boolean connecting(FlowKey k) {
        return k.channel() instanceof Flow && ((Flow) k.channel()).pendingNow();
    }

    /** The first and the longest slice of a blocking wait, in nanoseconds. */
    private static final long SLICE_FIRST = 1_000_000L;
    private static final long SLICE_MAX = 256_000_000L;

    /**
     * A platform thread's blocking wait (timeout in nanoseconds, -1: none) in
     * slices of 1 ms doubling to 256 ms, the thread's interrupt status asked
     * between two: an interrupt the JDK lost in {@code begin()} (JDK-8323782,
     * JDK 14 to 22: the status is set, the interruptor, which would call
     * {@link #wakeup()}, never runs) ends the wait as that wake-up would have.
     */
    private int slicedWait(long timeout) {
        long deadline = System.nanoTime() + timeout;
        long slice = SLICE_FIRST;
        while (true) {
            long t = timeout < 0 ? slice : Math.min(slice, Math.max(0, deadline - System.nanoTime()));
            int n = Native.fsetWait(fset, t, tags, events);
            if (n != 0 || (timeout >= 0 && deadline - System.nanoTime() <= 0)) {
                return n;
            }
            synchronized (interruptLock) {
                if (interruptTriggered) {
                    return 0;
                }
            }
            if (Thread.currentThread().isInterrupted()) {
                Flow.LOST_INTERRUPTS.incrementAndGet();
                return 0;
            }
            slice = Math.min(slice * 2, SLICE_MAX);
        }
    }

    /**
     * A virtual thread's blocking wait: a look without waiting, then the
     * wait on a platform thread of ours while this one parks. wakeup() (and
     * so interrupt and close) reaches that wait through the set's wake-up;
     * one the look took is still seen in interruptTriggered.
     */
    private int parkedWait(long timeout) {
        int n = Native.fsetWait(fset, 0, tags, events);
        if (n != 0) {
            return n;
        }
        synchronized (interruptLock) {
            if (interruptTriggered) {
                return 0;
            }
        }
        return Poller.callParked(() -> Native.fsetWait(fset, timeout, tags, events));
    }

    private void processUpdateQueue() {
        synchronized (updateLock) {
            FlowKey k;
            while ((k = updateKeys.pollFirst()) != null) {
                if (k.isValid()) {
                    update(k);
                }
            }
        }
    }

    /** Brings the native registration of a key in line with its interest. */
    private void update(FlowKey k) {
        SelChannel ch = k.sel();
        int interest = ch.nativeInterest(k.nioInterestOps());
        if (k.slot < 0) {
            Integer free = freeSlots.pollFirst();
            if (free != null) {
                k.slot = free;
                slots.set(free, k);
            } else {
                k.slot = slots.size();
                slots.add(k);
            }
        }
        if (k.armed && interest == k.registeredInterest) {
            return;
        }
        int h = ch.registeredHandle();
        int r = h < 0 ? -1 : Native.fsetCtl(fset, k.armed ? 1 : 0, h, ch.isServer(), k.slot, interest);
        if (r == 0) {
            k.armed = true;
            k.armedHandle = h; // valid while registered: a flow is freed only once deregistered
            k.registeredInterest = interest;
            unarmed.remove(k);
        } else {
            // Not allocated yet (or closing): try again at each select.
            unarmed.add(k);
        }
    }

    private void armPending() {
        if (unarmed.isEmpty()) {
            return;
        }
        for (FlowKey k : new ArrayList<>(unarmed)) {
            if (k.isValid()) {
                update(k);
            } else {
                unarmed.remove(k);
            }
        }
    }

    private void processDeregisterQueue() {
        Set<SelectionKey> cks = cancelledKeys();
        synchronized (cks) {
            if (cks.isEmpty()) {
                return;
            }
            Iterator<SelectionKey> i = cks.iterator();
            while (i.hasNext()) {
                FlowKey k = (FlowKey) i.next();
                i.remove();
                implDereg(k);
            }
        }
    }

    private void implDereg(FlowKey k) {
        SelChannel ch = k.sel();
        if (k.armed) {
            int h = ch.registeredHandle();
            if (h >= 0) {
                Native.fsetCtl(fset, 2, h, ch.isServer(), k.slot, 0);
            }
            k.armed = false;
            k.armedHandle = -1;
        }
        if (k.slot >= 0) {
            slots.set(k.slot, null);
            freeSlots.addLast(k.slot);
            k.slot = -1;
        }
        unarmed.remove(k);
        buffered.remove(k);
        // The ring lists drop it at their next look (it is invalid now): no scan per key.
        keys.remove(k);
        selectedKeys.remove(k);
        ch.removeKey(k);
        deregister(k);
        SelectableChannel sc = k.channel();
        if (!sc.isOpen() && !sc.isRegistered()) {
            ch.kill();
        }
    }

    private void bufferedReady() {
        if (buffered.isEmpty()) {
            return;
        }
        for (Iterator<FlowKey> i = buffered.iterator(); i.hasNext();) {
            FlowKey k = i.next();
            if (!k.isValid() || !k.sel().hasBufferedInput()) {
                i.remove();
                continue;
            }
            if ((k.nioInterestOps() & SelectionKey.OP_READ) != 0) {
                note(k, SelectionKey.OP_READ);
            }
        }
    }

    /**
     * Notes what the wait's n events say; the keys an EV_RING names go to ringNew to be
     * looked at (all of them, whatever their interest now: look() decides).
     *
     * @return whether every event was an EV_RING alone
     */
    private boolean processEvents(int n) {
        boolean ringsOnly = true;
        for (int i = 0; i < n; i++) {
            int slot = (int) tags[i];
            FlowKey k = slot >= 0 && slot < slots.size() ? slots.get(slot) : null;
            if (k == null || !k.isValid()) {
                ringsOnly = false;
                continue;
            }
            int ev = events[i];
            if ((ev & Consts.EV_RING) != 0) {
                ev &= ~Consts.EV_RING;
                if (!k.inRing) {
                    k.inRing = true; // looked at once this wait's events are in
                    ringNew.add(k);
                }
                if (ev == 0) {
                    continue;
                }
            }
            ringsOnly = false;
            note(k, k.sel().translateReadyOps(ev, k.nioInterestOps()));
        }
        return ringsOnly;
    }

    /** {@code SelectorImpl.processReadyEvents}: OR into selected keys. */
    private int processReady(FlowKey k, int rOps, Consumer<SelectionKey> action) {
        int interest = k.nioInterestOps();
        if (action != null) {
            // Once a select: report() calls this once for each key noted.
            k.readyOps(rOps & interest);
            if ((rOps & interest) != 0) {
                action.accept(k);
                ensureOpen();
                return 1;
            }
            return 0;
        }
        if (selectedKeys.contains(k)) {
            int old = k.nioReadyOps();
            int now = old | (rOps & interest);
            if (now != old) {
                k.readyOps(now);
                return 1;
            }
            return 0;
        }
        k.readyOps(rOps & interest);
        if ((rOps & interest) != 0) {
            selectedKeys.add(k);
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------ wakeup

    @Override
    public FlowSelector wakeup() {
        synchronized (interruptLock) {
            if (!interruptTriggered && isOpen()) {
                Native.fsetWake(fset, true);
                interruptTriggered = true;
            }
        }
        return this;
    }

    /** @return whether a wake-up was pending (and is now cleared) */
    private boolean clearInterrupt() {
        synchronized (interruptLock) {
            if (interruptTriggered) {
                Native.fsetWake(fset, false);
                interruptTriggered = false;
                return true;
            }
            return false;
        }
    }

    @Override
    protected void implCloseSelector() throws IOException {
        // The selector is already marked closed, so wakeup() would do
        // nothing: wake a blocked select directly, then wait for its lock.
        synchronized (interruptLock) {
            Native.fsetWake(fset, true);
            interruptTriggered = true;
        }
        synchronized (this) {
            synchronized (publicSelectedKeys) {
                synchronized (updateLock) {
                    updateKeys.clear();
                }
                for (SelectionKey k : new ArrayList<>(keys)) {
                    implDereg((FlowKey) k);
                }
                ringKeys.clear();
                ringSpare.clear();
                ringNew.clear();
                Set<SelectionKey> cks = cancelledKeys();
                synchronized (cks) {
                    cks.clear();
                }
            }
            synchronized (interruptLock) {
                Native.fsetFree(fset);
                interruptTriggered = true; // no more wake-ups on a freed set
            }
        }
    }

    /** The selected-key set: removal allowed, addition not (as in the JDK). */
    private static final class Ungrowable extends AbstractSet<SelectionKey> {
        private final Set<SelectionKey> s;

        Ungrowable(Set<SelectionKey> s) {
            this.s = s;
        }

        @Override
        public int size() {
            return s.size();
        }

        @Override
        public boolean isEmpty() {
            return s.isEmpty();
        }

        @Override
        public boolean contains(Object o) {
            return s.contains(o);
        }

        @Override
        public Object[] toArray() {
            return s.toArray();
        }

        @Override
        public <T> T[] toArray(T[] a) {
            return s.toArray(a);
        }

        @Override
        public Iterator<SelectionKey> iterator() {
            return s.iterator();
        }

        @Override
        public boolean remove(Object o) {
            return s.remove(o);
        }

        @Override
        public void clear() {
            s.clear();
        }

        @Override
        public boolean add(SelectionKey o) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean addAll(java.util.Collection<? extends SelectionKey> coll) {
            throw new UnsupportedOperationException();
        }
    }
}
