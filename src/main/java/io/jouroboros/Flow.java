/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Buffers;
import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import io.jouroboros.internal.LayerRuntime;
import io.jouroboros.internal.Names;
import io.jouroboros.internal.Native;
import io.jouroboros.internal.Poller;
import io.jouroboros.internal.Scratch;
import io.jouroboros.internal.VirtualScratch;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * An Ouroboros flow as a {@code java.nio} channel: a {@link ByteChannel} that
 * can be registered with a {@link java.nio.channels.Selector} opened from
 * {@link FlowSelectorProvider}, wrapped by {@link java.nio.channels.Channels},
 * closed by try-with-resources, interrupted like a socket.
 *
 * <p><b>Opening.</b> {@link #open(String)} allocates a flow to a name (the
 * seed's {@code flow_alloc}); {@link #open()} makes an unconnected flow to
 * {@link #connect(String) connect} later, blocking or, in non-blocking mode,
 * with {@link SelectionKey#OP_CONNECT} and {@link #finishConnect()};
 * {@link #join(String)} joins a broadcast layer; {@link FlowServerChannel}
 * accepts flows.
 *
 * <p><b>Two views of the data.</b> Ouroboros carries SDUs (messages) of at
 * most {@link Ouroboros#maxSdu()} bytes. The <em>stream view</em>
 * ({@link #read(ByteBuffer)}, {@link #write(ByteBuffer)}) is what byte-stream
 * code expects: a write sends one SDU per {@code maxSdu} bytes (in blocking
 * mode the whole buffer goes); a blocking read returns at least one byte
 * while the buffer has room, or {@code -1} once the peer is gone and
 * everything it sent has been read. The <em>message view</em>
 * ({@link #readMessage(ByteBuffer)}, {@link #writeMessage(ByteBuffer)}) keeps
 * boundaries: one write is one SDU; a read returns the next SDU, or as much of
 * it as fits, the rest staying queued for the next reads; when a read exactly
 * fills the buffer, the next read returns 0 to mark the end of that SDU
 * (Ouroboros's rule). Nothing is ever dropped by a small buffer.
 *
 * <p><b>Threads.</b> Reads and writes may run concurrently with each other;
 * reads are serialised among themselves, as are writes. {@link #close()} from
 * another thread wakes a blocked read, write or connect at once with
 * {@link AsynchronousCloseException}; interrupting the blocked thread closes
 * the flow and throws {@link java.nio.channels.ClosedByInterruptException}.
 * On a virtual thread (JDK 21+) a blocking call never blocks in native
 * code: it tries without waiting, then parks until the layer reports the
 * flow ready, so its carrier runs other virtual threads meanwhile.
 *
 * <p><b>Errors.</b> Failures are {@link OuroborosException}s carrying the
 * Ouroboros code: {@link UnknownNameException} (no one bound to the name),
 * {@link FlowTimeoutException}, {@link FlowDownException} (writing to a flow
 * whose peer is gone), {@link FlowPermissionException} (flags forbid it),
 * {@link MessageTooLargeException}; closed channels throw
 * {@link ClosedChannelException}, unconnected ones
 * {@link NotYetConnectedException}.
 */
public final class Flow extends AbstractSelectableChannel
        implements ByteChannel, ScatteringByteChannel, GatheringByteChannel {

    private static final int UNCONNECTED = 0;
    private static final int PENDING = 1;
    private static final int CONNECTED = 2;

    private static final long NO_TIMEOUT = Long.MAX_VALUE;

    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    // Reads and writes hold readLock or writeLock over the handle (NativeRef.handleUnderLock).
    private final NativeRef ref = new NativeRef(this, Native::flowWake, Native::flowFree,
            () -> readLock.isLocked() || writeLock.isLocked());
    private final List<FlowKey> keys = new CopyOnWriteArrayList<>();
    // Virtual threads parked reading (or connecting) and writing, for close to wake.
    private final Poller.Slot readSlot = new Poller.Slot();
    private final Poller.Slot writeSlot = new Poller.Slot();
    // A read filled its buffer: more of the SDU (or its end marker) may wait.
    private volatile boolean buffered;
    // The state of the read (under readLock) and of the write (under writeLock) under way.
    private final Io reader = new Io(true);
    private final Io writer = new Io(false);
    private final BooleanSupplier open = this::isOpen;

    // written under stateLock; volatile for the read and write fast path (checkConnected)
    private volatile int state = UNCONNECTED;
    // guarded by stateLock
    private String remote;
    private boolean broadcast;
    private QoSSpec qos;
    private long connectDeadline;
    private volatile int maxSdu = -1;

    Flow(SelectorProvider provider) {
        super(provider);
    }

    /** An accepted flow. */
    Flow(SelectorProvider provider, int handle, QoSSpec qos) {
        super(provider);
        ref.set(handle);
        this.qos = qos;
        this.state = CONNECTED;
    }

    // ------------------------------------------------------------ opening

    /**
     * An unconnected flow, to {@link #connect(String)} later.
     *
     * @return the flow, in blocking mode
     * @throws IOException if the layer cannot run ({@link LayerUnavailableException})
     */
    public static Flow open() throws IOException {
        return FlowSelectorProvider.provider().openFlow();
    }

    /**
     * Allocates a flow to a name with the {@linkplain QoSSpec#raw() raw} QoS,
     * waiting as long as it takes (the seed's {@code flow_alloc("name")}).
     * As in Ouroboros, the allocation completes when the peer accepts it: on
     * the embedded layer, when a thread of the peer calls
     * {@link FlowServerChannel#accept()} (so never open and accept in one
     * thread).
     *
     * @param name the destination name, 1 to 255 bytes of UTF-8
     * @return the connected flow
     * @throws UnknownNameException if no process is bound to the name
     * @throws IOException if the allocation fails otherwise
     */
    public static Flow open(String name) throws IOException {
        LayerRuntime.ensure(); // before the preset, which needs the native library
        return open(name, QoSSpec.raw(), null);
    }

    /**
     * Allocates a flow to a name.
     *
     * @param name the destination name, 1 to 255 bytes of UTF-8
     * @param qos the QoS to ask for
     * @param timeout how long to wait for the peer to accept; {@code null} = forever
     * @return the connected flow
     * @throws UnknownNameException if no process is bound to the name
     * @throws FlowTimeoutException if the peer did not accept in time
     * @throws IOException if the allocation fails otherwise
     */
    public static Flow open(String name, QoSSpec qos, Duration timeout) throws IOException {
        Names.encode("name", name);
        Flow f = open();
        try {
            f.connect(name, qos, timeout);
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Joins a broadcast layer: every SDU written is delivered to every other
     * member; reads return what the others write (the seed's {@code flow_join}).
     *
     * @param layer the broadcast layer's name, 1 to 255 bytes of UTF-8
     * @return the joined flow
     * @throws IOException if the join fails
     */
    public static Flow join(String layer) throws IOException {
        return join(layer, null);
    }

    /**
     * Joins a broadcast layer, waiting at most {@code timeout}.
     *
     * @param layer the broadcast layer's name, 1 to 255 bytes of UTF-8
     * @param timeout how long to wait; {@code null} = forever
     * @return the joined flow
     * @throws IOException if the join fails
     */
    public static Flow join(String layer, Duration timeout) throws IOException {
        byte[] nb = Names.encode("layer", layer);
        nanos("timeout", timeout);
        Flow f = open();
        try {
            int h = f.create();
            int r;
            try {
                r = Native.flowJoin(h, nb);
            } finally {
                f.ref.release();
            }
            if (r < 0) {
                throw Errors.exception(r, "join " + layer);
            }
            synchronized (f.stateLock) {
                f.state = CONNECTED;
                f.remote = layer;
                f.broadcast = true;
                f.qos = QoSSpec.raw();
            }
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Creates the native flow if need be and acquires it. */
    private int create() throws IOException {
        synchronized (stateLock) {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            if (!ref.isSet()) {
                int h = Native.flowOpen();
                if (h < 0) {
                    throw Errors.exception(h, "open flow");
                }
                ref.set(h);
            }
            return ref.acquire();
        }
    }

    /**
     * Allocates this flow to a name with the raw QoS and no timeout; the
     * seed's {@code f.alloc("name")}.
     *
     * @param name the destination name
     * @return {@code true} if connected; {@code false} in non-blocking mode
     *         while the allocation is pending
     * @throws IOException as {@link #connect(String, QoSSpec, Duration)}
     */
    public boolean connect(String name) throws IOException {
        return connect(name, QoSSpec.raw(), null);
    }

    /**
     * Allocates this flow to a name. In blocking mode this waits until the
     * peer accepts, the timeout passes, or the flow is closed. In non-blocking
     * mode it returns at once: {@code true} if the allocation is already
     * complete, else {@code false}, and then {@link SelectionKey#OP_CONNECT}
     * fires when the answer is in, and {@link #finishConnect()} completes it
     * (the timeout then applies to {@code finishConnect} in blocking mode
     * only); a name nobody is bound to throws {@link UnknownNameException}
     * here at once. A failed allocation closes the flow, as with
     * {@code SocketChannel}.
     *
     * @param name the destination name, 1 to 255 bytes of UTF-8
     * @param qos the QoS to ask for
     * @param timeout how long to wait; {@code null} = forever
     * @return {@code true} if connected
     * @throws IllegalArgumentException if the name is bad
     * @throws AlreadyConnectedException if it is connected
     * @throws ConnectionPendingException if a non-blocking connect is pending
     * @throws UnknownNameException if no process is bound to the name
     * @throws FlowTimeoutException if the peer did not accept in time
     * @throws IOException if the allocation fails otherwise
     */
    public boolean connect(String name, QoSSpec qos, Duration timeout) throws IOException {
        byte[] nb = Names.encode("name", name);
        Objects.requireNonNull(qos, "qos");
        long tmo = nanos("timeout", timeout);
        readLock.lock();
        try {
            writeLock.lock();
            try {
                synchronized (stateLock) {
                    if (!isOpen()) {
                        throw new ClosedChannelException();
                    }
                    if (state == CONNECTED) {
                        throw new AlreadyConnectedException();
                    }
                    if (state == PENDING) {
                        throw new ConnectionPendingException();
                    }
                }
                int h = create();
                boolean blocking = isBlocking();
                int r;
                long[] out = new long[8];
                boolean[] started = {false};
                try {
                    r = runBlocking(blocking, () -> {
                        int s = Native.flowAllocStart(h, nb, qos.toArray());
                        return s < 0 ? s : Native.flowAllocFinish(h, blocking ? tmo : 0, out);
                    }, Poller.READ, h, () -> {
                        if (!started[0]) {
                            started[0] = true;
                            int s = Native.flowAllocStart(h, nb, qos.toArray());
                            if (s < 0) {
                                return s;
                            }
                        }
                        return Native.flowAllocFinish(h, 0, out);
                    }, () -> tmo);
                } finally {
                    ref.release();
                }
                synchronized (stateLock) {
                    remote = name;
                    connectDeadline = tmo < 0 ? -1 : System.nanoTime() + tmo;
                    state = PENDING;
                }
                return allocated(r, out);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
            ref.afterUnlock();
        }
    }

    /**
     * Completes a non-blocking {@link #connect(String, QoSSpec, Duration)}.
     * In blocking mode it waits for the answer.
     *
     * @return {@code true} if connected, {@code false} if still pending
     * @throws NoConnectionPendingException if no connect was started
     * @throws UnknownNameException if nobody serves the name; the flow is
     *         then closed
     * @throws FlowTimeoutException if the allocation ran out of time; the
     *         flow is then closed
     * @throws IOException if the allocation failed otherwise, as for
     *         connect; the flow is then closed
     */
    public boolean finishConnect() throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                long tmo;
                synchronized (stateLock) {
                    if (!isOpen()) {
                        throw new ClosedChannelException();
                    }
                    if (state == CONNECTED) {
                        return true;
                    }
                    if (state != PENDING) {
                        throw new NoConnectionPendingException();
                    }
                    tmo = connectDeadline < 0 ? -1 : Math.max(0, connectDeadline - System.nanoTime());
                }
                int h = ref.acquire();
                boolean blocking = isBlocking();
                long[] out = new long[8];
                int r;
                try {
                    r = runBlocking(blocking, () -> Native.flowAllocFinish(h, blocking ? tmo : 0, out),
                            Poller.READ, h, () -> Native.flowAllocFinish(h, 0, out), () -> tmo);
                } finally {
                    ref.release();
                }
                return allocated(r, out);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
            ref.afterUnlock();
        }
    }

    private boolean allocated(int r, long[] out) throws IOException {
        if (r == -Errors.EAGAIN) {
            return false;
        }
        if (r < 0) {
            String to;
            synchronized (stateLock) {
                to = remote;
            }
            close();
            if (r == -Errors.EWOKEN) {
                throw new AsynchronousCloseException();
            }
            throw Errors.exception(r, "allocate a flow to " + to);
        }
        synchronized (stateLock) {
            qos = QoSSpec.fromArray(out);
            state = CONNECTED;
            if (!isBlocking()) {
                applyBlocking(false);
            }
        }
        return true;
    }

    /** Interrupts the JDK lost that a blocking call found itself (see runBlocking); for the tests. */
    static final AtomicLong LOST_INTERRUPTS = new AtomicLong();

    @FunctionalInterface
    private interface NativeCall {
        int run();
    }

    /**
     * Runs one native call, inside {@code begin}/{@code end} when it may block,
     * so that close and interrupt reach it as they reach a socket call.
     * A blocking call returns {@code -EINTR} when it finds its thread
     * interrupted while the flow is still open: the JDK lost the interrupt
     * (JDK-8323782, JDK 14 to 22: an interrupt that lands during
     * {@code begin()} sets the status but never runs the interruptor; see
     * flow.c). A second {@code begin()} sees the status and runs the
     * interruptor, which closes the flow, and {@code end} throws
     * {@link java.nio.channels.ClosedByInterruptException} as it would have.
     */
    private int runBlocking(boolean blocking, NativeCall call) throws IOException {
        if (!blocking) {
            int r = call.run();
            if (r == -Errors.EWOKEN) {
                throw new AsynchronousCloseException();
            }
            return r;
        }
        int r = -Errors.EWOKEN;
        try {
            begin();
            if (isOpen()) {
                r = call.run();
                if (r == -Errors.EINTR) {
                    LOST_INTERRUPTS.incrementAndGet();
                    begin();
                }
            }
        } finally {
            end(r != -Errors.EWOKEN && r != -Errors.EINTR);
        }
        if (r == -Errors.EWOKEN || r == -Errors.EINTR) {
            // Closed under the call: end() has thrown already; a fallback.
            throw new AsynchronousCloseException();
        }
        return r;
    }

    /**
     * {@link #runBlocking(boolean, NativeCall)}, except on a virtual thread
     * in blocking mode: there {@code now} (which never waits) is tried, and
     * the thread parks between tries until the poller reports the flow ready
     * in direction {@code dir} ({@link Poller#await}), so no carrier is
     * pinned. Close, interrupt and the timeout end it as they end
     * {@code call}: the timeout is asked after the first try that would
     * block (nanoseconds, -1 = none, {@link Poller#NO_WAIT}: do not wait).
     */
    private int runBlocking(boolean blocking, NativeCall call, int dir, int h, Poller.Attempt now,
            LongSupplier timeout) throws IOException {
        if (!blocking || !Poller.isVirtual()) {
            return runBlocking(blocking, call);
        }
        int r = -Errors.EWOKEN;
        try {
            begin();
            r = Poller.await(dir, h, false, now, timeout, open, dir == Poller.READ ? readSlot : writeSlot);
        } finally {
            end(r != -Errors.EWOKEN);
        }
        if (r == -Errors.EWOKEN) {
            throw new AsynchronousCloseException();
        }
        return r;
    }

    /**
     * A read or a write ({@code io}) as {@link #runBlocking(boolean, NativeCall, int, int,
     * Poller.Attempt, LongSupplier)}, except that on a platform thread in blocking mode
     * what is there now (queued data, room) is taken first without {@code begin}/{@code end},
     * as that cannot block. Not with the interrupt status set: {@code begin()} closes the
     * flow then, as it closes a socket.
     */
    private int runIo(boolean blocking, Io io, int dir, int h) throws IOException {
        if (blocking && !Poller.isVirtual() && !Thread.currentThread().isInterrupted()) {
            io.beforeWait = true; // a wait follows if it finds nothing: it need not look for the peer's end
            int r = io.now.run();
            if (r != -Errors.EAGAIN) {
                if (r == -Errors.EWOKEN) {
                    throw new AsynchronousCloseException();
                }
                return r;
            }
            io.tried = true; // the wait needs no try of its own
        }
        return runBlocking(blocking, io, dir, h, io.now, io.timeout);
    }

    /** How long a blocking read or write of a virtual thread may wait, from the flow's fccntl state. */
    private static long waitNanos(int h, int noBlockFlag, int timeoCmd) {
        long flags = Native.flowCntl(h, Consts.FLOWGFLAGS, 0);
        if (flags >= 0 && (flags & noBlockFlag) != 0) {
            return Poller.NO_WAIT;
        }
        long t = Native.flowCntl(h, timeoCmd, 0);
        return t < 0 || t == NO_TIMEOUT ? -1 : t;
    }

    // ----------------------------------------------------------- reading

    /** The handle of a connected flow, counted until {@code ref.release()}. */
    private int acquireConnected() throws IOException {
        checkConnected();
        return ref.acquire(); // ClosedChannelException once closing
    }

    /**
     * The handle for a read or a write under readLock or writeLock, not
     * counted ({@link NativeRef#handleUnderLock()}).
     */
    private int connectedLocked() throws IOException {
        checkConnected();
        return ref.handleUnderLock(); // ClosedChannelException once closing
    }

    private void checkConnected() throws IOException {
        if (state == CONNECTED) {
            return;
        }
        synchronized (stateLock) {
            if (!isOpen()) {
                throw new ClosedChannelException();
            }
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
        }
    }

    /**
     * Reads bytes: the stream view. Returns the next SDU, or the part of it
     * that fits, hiding Ouroboros's end-of-SDU marker. In blocking mode it
     * waits for data (up to {@link #receiveTimeout()}) and never returns 0
     * while {@code dst} has room; in non-blocking mode (or with
     * {@link FlowFlag#NON_BLOCKING_READ}) it returns 0 when nothing is queued.
     *
     * @param dst the buffer
     * @return bytes read, or {@code -1} once the peer is gone and the queue drained
     * @throws FlowTimeoutException if the receive timeout passed
     * @throws FlowPermissionException if the flow is write-only
     * @throws IOException if the read fails
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        return read(dst, true);
    }

    /**
     * Reads one SDU, or the part of it that fits: the message view. The rest
     * of a larger SDU stays queued for the next reads; a read that exactly
     * fills {@code dst} is followed by a read of 0 that marks the end of the
     * SDU. With {@link FlowFlag#NO_PARTIAL_READ} an SDU larger than
     * {@code dst} throws {@link MessageTooLargeException} and stays queued.
     * In non-blocking mode 0 also means nothing is queued.
     *
     * @param dst the buffer
     * @return bytes read, 0 (see above), or {@code -1} once the peer is gone
     *         and the queue drained
     * @throws IOException as {@link #read(ByteBuffer)}
     */
    public int readMessage(ByteBuffer dst) throws IOException {
        return read(dst, false);
    }

    private int read(ByteBuffer dst, boolean stream) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        readLock.lock();
        try {
            if (!dst.hasRemaining()) {
                // As before: closed and unconnected flows throw first.
                connectedLocked();
                return 0;
            }
            int room = dst.isDirect() ? dst.remaining()
                    : Math.min(dst.remaining(), Ouroboros.maxSduUnchecked() + 1);
            return readLocked(reader.one(dst), 0, 1, room, stream);
        } finally {
            reader.done();
            readLock.unlock();
            ref.afterUnlock();
        }
    }

    /**
     * A read under readLock into {@code dsts[offset, offset + length)}, at
     * most {@code room} bytes (a full buffer marks the SDU's rest buffered).
     */
    private int readLocked(ByteBuffer[] dsts, int offset, int length, int room, boolean stream)
            throws IOException {
        int h = connectedLocked();
        Io io = reader;
        io.set(h, dsts, offset, length, room, stream);
        int r = runIo(isBlocking(), io, Poller.READ, h);
        noteBuffered(r == room);
        if (r >= 0) {
            return r;
        }
        if (r == -Errors.EAGAIN) {
            return 0;
        }
        if (r == -Errors.EFLOWDOWN) {
            return -1;
        }
        throw Errors.exception(r, "read");
    }

    /**
     * One read of up to {@code room} bytes into the buffers; {@code now}:
     * never waits (a virtual thread's try); {@code beforeWait}: with {@code now},
     * a blocking read follows if it finds nothing ({@link Native#flowReadNow});
     * {@code tried}: a try of {@code now}'s found nothing just before, so a
     * wait need not try first.
     * A single direct buffer is read into in place; anything else through a
     * direct scratch buffer.
     */
    private static int readNative(int h, ByteBuffer[] dsts, int offset, int length, int room, boolean now,
            boolean beforeWait, boolean tried) {
        int i = offset;
        while (i < offset + length - 1 && !dsts[i].hasRemaining()) {
            i++;
        }
        ByteBuffer first = dsts[i];
        if (first.isDirect() && first.remaining() >= room) {
            int pos = first.position();
            long at = Buffers.address(first) + pos;
            int r = nativeRead(h, at, room, now, beforeWait, tried);
            Reference.reachabilityFence(first);
            if (r > 0) {
                first.position(pos + r);
            }
            return r;
        }
        boolean shared = Poller.isVirtual();
        ByteBuffer s = shared ? VirtualScratch.take(room) : Scratch.get(room);
        try {
            long at = Buffers.address(s);
            int r = nativeRead(h, at, room, now, beforeWait, tried);
            Reference.reachabilityFence(s);
            int from = 0;
            for (int k = i; k < offset + length && from < r; k++) {
                ByteBuffer b = dsts[k];
                int n = Math.min(b.remaining(), r - from);
                b.put(b.position(), s, from, n);
                b.position(b.position() + n);
                from += n;
            }
            return r;
        } finally {
            if (shared) {
                VirtualScratch.give(s);
            }
        }
    }

    private static int nativeRead(int h, long at, int room, boolean now, boolean beforeWait, boolean tried) {
        return now ? Native.flowReadNow(h, at, room, beforeWait) : Native.flowRead(h, at, room, tried);
    }

    /**
     * Scattering read in the stream view: one SDU (or its part that fits)
     * spread over the buffers in order.
     *
     * @see #read(ByteBuffer)
     */
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        long room = 0;
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new IllegalArgumentException("read-only buffer");
            }
            room += dsts[i].remaining();
        }
        readLock.lock();
        try {
            if (room == 0) {
                connectedLocked();
                return 0;
            }
            return readLocked(dsts, offset, length, (int) Math.min(room, Ouroboros.maxSduUnchecked()), true);
        } finally {
            reader.done();
            readLock.unlock();
            ref.afterUnlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, dsts.length);
    }

    private void noteBuffered(boolean now) {
        boolean was = buffered;
        buffered = now;
        if (now && !was && !keys.isEmpty()) {
            for (FlowKey k : keys) {
                ((FlowSelector) k.selector()).markBuffered(k);
            }
        }
    }

    // ----------------------------------------------------------- writing

    /**
     * Writes bytes: the stream view. Each SDU carries at most
     * {@link #maxSdu()} bytes; in blocking mode the whole buffer is
     * sent, as several SDUs if need be, each waiting up to
     * {@link #sendTimeout()}; in non-blocking mode it sends what the flow
     * takes now and returns that count (0 if nothing).
     *
     * @param src the bytes
     * @return bytes written
     * @throws FlowDownException if the peer is gone
     * @throws FlowPermissionException if the flow is read-only
     * @throws FlowTimeoutException if the send timeout passed
     * @throws IOException if the write fails
     */
    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        return (int) write(src, true);
    }

    /**
     * Writes the buffer as exactly one SDU: the message view.
     *
     * @param src the SDU, at most {@link #maxSdu()} bytes; an empty
     *            buffer sends nothing
     * @return bytes written: all of them, or 0 in non-blocking mode when the
     *         flow cannot take the SDU now
     * @throws MessageTooLargeException if it is larger than the largest SDU
     * @throws IOException as {@link #write(ByteBuffer)}
     */
    public int writeMessage(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src");
        int max = maxSdu();
        if (src.remaining() > max) {
            throw Errors.exception(-Errors.EMSGSIZE,
                    "write an SDU of " + src.remaining() + " bytes (largest: " + max + ")");
        }
        return (int) write(src, false);
    }

    /**
     * Gathering write in the stream view: the bytes of the buffers in order,
     * cut into SDUs of at most {@link #maxSdu()} bytes.
     *
     * @see #write(ByteBuffer)
     */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        return write(srcs, offset, length, true);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    private long write(ByteBuffer src, boolean stream) throws IOException {
        writeLock.lock();
        try {
            return writeLocked(writer.one(src), 0, 1, stream);
        } finally {
            writer.done();
            writeLock.unlock();
            ref.afterUnlock();
        }
    }

    private long write(ByteBuffer[] srcs, int offset, int length, boolean stream) throws IOException {
        writeLock.lock();
        try {
            return writeLocked(srcs, offset, length, stream);
        } finally {
            writer.done();
            writeLock.unlock();
            ref.afterUnlock();
        }
    }

    private long writeLocked(ByteBuffer[] srcs, int offset, int length, boolean stream) throws IOException {
        int h = connectedLocked();
        boolean blocking = isBlocking();
        Io io = writer;
        io.set(h, srcs, offset, length, maxSdu(), stream);
        ByteBuffer last = length > 0 ? srcs[offset + length - 1] : null;
        boolean lastHad = last != null && last.hasRemaining();
        long total = 0;
        while (true) {
            int r = runIo(blocking, io, Poller.WRITE, h);
            if (r == 0 || r == -Errors.EAGAIN) {
                return total;
            }
            if (r < 0) {
                throw Errors.exception(r, "write");
            }
            total += r;
            // Done once the last buffer is emptied (the SDUs take the buffers in order):
            // no further pass to find that nothing is left.
            if (!stream || lastHad && !last.hasRemaining()) {
                return total;
            }
        }
    }

    /** Sends the next SDU of up to max bytes; moves the buffers on success. {@code now}: never waits. */
    private static int writeNative(int h, ByteBuffer[] srcs, int offset, int length, int max, boolean now) {
        int i = offset;
        while (i < offset + length && !srcs[i].hasRemaining()) {
            i++;
        }
        if (i == offset + length) {
            return 0;
        }
        ByteBuffer first = srcs[i];
        if (first.isDirect() && (first.remaining() >= max || i == offset + length - 1)) {
            int n = Math.min(first.remaining(), max);
            int pos = first.position();
            long at = Buffers.address(first) + pos;
            int r = now ? Native.flowWriteNow(h, at, n) : Native.flowWrite(h, at, n);
            Reference.reachabilityFence(first);
            if (r > 0) {
                first.position(pos + r);
            }
            return r;
        }
        boolean shared = Poller.isVirtual();
        ByteBuffer s = shared ? VirtualScratch.take(max) : Scratch.get(max);
        int r;
        try {
            int n = 0;
            for (int k = i; k < offset + length && n < max; k++) {
                ByteBuffer b = srcs[k];
                int m = Math.min(b.remaining(), max - n);
                s.put(n, b, b.position(), m);
                n += m;
            }
            long at = Buffers.address(s);
            r = now ? Native.flowWriteNow(h, at, n) : Native.flowWrite(h, at, n);
            Reference.reachabilityFence(s);
        } finally {
            if (shared) {
                VirtualScratch.give(s);
            }
        }
        if (r > 0) {
            int left = r;
            for (int k = i; k < offset + length && left > 0; k++) {
                ByteBuffer b = srcs[k];
                int m = Math.min(b.remaining(), left);
                b.position(b.position() + m);
                left -= m;
            }
        }
        return r;
    }

    /**
     * The read or the write under way, one per direction, reused by each
     * call under its lock: the call, its virtual-thread try and its timeout
     * are this object's methods, so a read or a write allocates nothing
     * (no lambda capturing its arguments, no array around one buffer).
     */
    private final class Io implements NativeCall {
        private final boolean reading;
        private final ByteBuffer[] single = new ByteBuffer[1];
        final Poller.Attempt now = () -> call(true);
        final LongSupplier timeout = this::waitNanos;
        private int h;
        private ByteBuffer[] bufs;
        private int offset;
        private int length;
        private int limit; // reading: room; writing: the largest SDU
        private boolean stream;
        boolean tried; // runIo's try of now found nothing: the next blocking call waits at once
        boolean beforeWait; // runIo's try of now: a blocking call follows if it finds nothing

        Io(boolean reading) {
            this.reading = reading;
        }

        ByteBuffer[] one(ByteBuffer b) {
            single[0] = b;
            return single;
        }

        void set(int handle, ByteBuffer[] b, int off, int len, int lim, boolean str) {
            h = handle;
            bufs = b;
            offset = off;
            length = len;
            limit = lim;
            stream = str;
        }

        /** Drops the caller's buffers, so a flow holds none between calls. */
        void done() {
            single[0] = null;
            bufs = null;
        }

        @Override
        public int run() {
            return call(false);
        }

        private int call(boolean nowait) {
            boolean t = tried;
            boolean w = beforeWait;
            tried = false;
            beforeWait = false;
            if (!reading) {
                return writeNative(h, bufs, offset, length, limit, nowait);
            }
            int n = readNative(h, bufs, offset, length, limit, nowait, w && nowait, t && !nowait);
            while (stream && n == 0) {
                // The end of the last SDU, hidden: this try is the first for the next.
                n = readNative(h, bufs, offset, length, limit, nowait, w && nowait, false);
            }
            return n;
        }

        private long waitNanos() {
            return reading ? Flow.waitNanos(h, Consts.FLOWFRNOBLOCK, Consts.FLOWGRCVTIMEO)
                    : Flow.waitNanos(h, Consts.FLOWFWNOBLOCK, Consts.FLOWGSNDTIMEO);
        }
    }

    // ------------------------------------------------------ flow control

    private long cntl(String what, int cmd, long arg) throws IOException {
        int h = acquireConnected();
        try {
            long r = Native.flowCntl(h, cmd, arg);
            if (r < 0) {
                throw Errors.exception((int) r, what);
            }
            return r;
        } finally {
            ref.release();
        }
    }

    private static long nanos(String what, Duration d) {
        if (d == null) {
            return -1;
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private static Duration duration(long ns) {
        return ns == NO_TIMEOUT ? null : Duration.ofNanos(ns);
    }

    /**
     * The send timeout ({@code FLOWGSNDTIMEO}).
     *
     * @return the timeout, or {@code null} when writes may block forever
     * @throws IOException if the flow is closed or not connected
     */
    public Duration sendTimeout() throws IOException {
        return duration(cntl("get send timeout", Consts.FLOWGSNDTIMEO, 0));
    }

    /**
     * Sets the send timeout ({@code FLOWSSNDTIMEO}); a blocking write that
     * cannot hand over its SDU in time throws {@link FlowTimeoutException}.
     *
     * @param timeout the timeout, {@code null} = block forever
     * @return this flow
     * @throws IOException if the flow is closed or not connected
     */
    public Flow sendTimeout(Duration timeout) throws IOException {
        long ns = nanos("timeout", timeout);
        cntl("set send timeout", Consts.FLOWSSNDTIMEO, ns < 0 ? NO_TIMEOUT : ns);
        return this;
    }

    /**
     * The receive timeout ({@code FLOWGRCVTIMEO}).
     *
     * @return the timeout, or {@code null} when reads may block forever
     * @throws IOException if the flow is closed or not connected
     */
    public Duration receiveTimeout() throws IOException {
        return duration(cntl("get receive timeout", Consts.FLOWGRCVTIMEO, 0));
    }

    /**
     * Sets the receive timeout ({@code FLOWSRCVTIMEO}); a blocking read that
     * gets nothing in time throws {@link FlowTimeoutException}.
     *
     * @param timeout the timeout, {@code null} = block forever
     * @return this flow
     * @throws IOException if the flow is closed or not connected
     */
    public Flow receiveTimeout(Duration timeout) throws IOException {
        long ns = nanos("timeout", timeout);
        cntl("set receive timeout", Consts.FLOWSRCVTIMEO, ns < 0 ? NO_TIMEOUT : ns);
        return this;
    }

    /**
     * SDUs queued for this end to read ({@code FLOWGRXQLEN}).
     *
     * @return the count
     * @throws IOException if the flow is closed, not connected, or the layer
     *         cannot count (broadcast flows of the embedded layer)
     */
    public int rxQueueLength() throws IOException {
        return (int) cntl("get rx queue length", Consts.FLOWGRXQLEN, 0);
    }

    /**
     * SDUs this end wrote that the peer has not read yet ({@code FLOWGTXQLEN}).
     *
     * @return the count
     * @throws IOException as {@link #rxQueueLength()}
     */
    public int txQueueLength() throws IOException {
        return (int) cntl("get tx queue length", Consts.FLOWGTXQLEN, 0);
    }

    /**
     * The flow's flags ({@code FLOWGFLAGS}), with {@link FlowFlag#DOWN} once
     * the peer is gone. A flow in non-blocking mode shows both non-blocking
     * flags.
     *
     * @return a new set
     * @throws IOException if the flow is closed or not connected
     */
    public Set<FlowFlag> flags() throws IOException {
        return FlowFlag.fromBits((int) cntl("get flags", Consts.FLOWGFLAGS, 0));
    }

    /**
     * Replaces the flow's flags ({@code FLOWSFLAGS}). While the channel is in
     * non-blocking mode the non-blocking flags stay set, so a selector loop
     * never blocks.
     *
     * @param flags exactly one access mode, plus any others
     * @return this flow
     * @throws IllegalArgumentException if the set has not exactly one access mode
     * @throws IOException if the flow is closed or not connected
     */
    public Flow flags(Set<FlowFlag> flags) throws IOException {
        int bits = FlowFlag.toBits(Objects.requireNonNull(flags, "flags"));
        synchronized (stateLock) {
            if (!isBlocking()) {
                bits |= FlowFlag.NON_BLOCKING_READ.value() | FlowFlag.NON_BLOCKING_WRITE.value();
            }
            cntl("set flags", Consts.FLOWSFLAGS, bits);
        }
        return this;
    }

    /**
     * The FRCT flags ({@code FRCTGFLAGS}).
     *
     * @return a new set
     * @throws IOException if the flow is closed or not connected
     */
    public Set<FrctFlag> frctFlags() throws IOException {
        return FrctFlag.fromBits((int) cntl("get FRCT flags", Consts.FRCTGFLAGS, 0));
    }

    /**
     * Sets the FRCT flags ({@code FRCTSFLAGS}).
     *
     * @param flags the flags
     * @return this flow
     * @throws IOException if the flow is closed or not connected
     */
    public Flow frctFlags(Set<FrctFlag> flags) throws IOException {
        cntl("set FRCT flags", Consts.FRCTSFLAGS, FrctFlag.toBits(Objects.requireNonNull(flags, "flags")));
        return this;
    }

    /**
     * The largest SDU this flow carries: {@link Ouroboros#maxSdu()}, or less
     * on a broadcast layer of the system layer (its IPCP's MTU).
     *
     * @return bytes
     * @throws IOException if the flow is closed or not connected
     */
    public int maxSdu() throws IOException {
        int m = maxSdu;
        if (m < 0) {
            m = (int) cntl("get the largest SDU", Consts.JOURGMAXSDU, 0);
            maxSdu = m;
        }
        return m;
    }

    // ------------------------------------------------------------- state

    /**
     * The QoS the allocation ended with: for an accepted flow, what the
     * client asked.
     *
     * @return the QoS
     * @throws NotYetConnectedException if it is not connected
     */
    public QoSSpec qos() {
        synchronized (stateLock) {
            if (qos == null) {
                throw new NotYetConnectedException();
            }
            return qos;
        }
    }

    /**
     * The name this flow was allocated to, or the layer it joined; {@code null}
     * for accepted flows and unconnected ones.
     *
     * @return the name
     */
    public String remoteName() {
        synchronized (stateLock) {
            return remote;
        }
    }

    /** @return whether the flow is allocated (and not closed) */
    public boolean isConnected() {
        synchronized (stateLock) {
            return state == CONNECTED && isOpen();
        }
    }

    /** Whether an allocation is under way, without the lock (for the selector's looks). */
    boolean pendingNow() {
        return state == PENDING;
    }

    /** @return whether a non-blocking allocation is under way */
    public boolean isConnectionPending() {
        synchronized (stateLock) {
            return state == PENDING && isOpen();
        }
    }

    /** @return whether this is a member of a broadcast layer ({@link #join(String)}) */
    public boolean isBroadcast() {
        synchronized (stateLock) {
            return broadcast;
        }
    }

    /** {@code OP_READ | OP_WRITE | OP_CONNECT}. */
    @Override
    public int validOps() {
        return SelectionKey.OP_READ | SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;
    }

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        synchronized (stateLock) {
            if (state == CONNECTED) {
                applyBlocking(block);
            }
        }
    }

    private void applyBlocking(boolean block) throws IOException {
        int nb = FlowFlag.NON_BLOCKING_READ.value() | FlowFlag.NON_BLOCKING_WRITE.value();
        int down = FlowFlag.DOWN.value();
        long bits = cntl("get flags", Consts.FLOWGFLAGS, 0);
        // DOWN as reported is the peer's state, not a flag to set.
        bits = (block ? bits & ~nb : bits | nb) & ~down;
        cntl("set flags", Consts.FLOWSFLAGS, bits);
    }

    @Override
    protected void implCloseSelectableChannel() {
        ref.close();
        // Virtual threads parked on the flow: they see it closed and leave.
        readSlot.wake();
        writeSlot.wake();
    }

    /** The native handle, held until {@link #releaseHandle()}. */
    int acquireHandle() throws ClosedChannelException {
        return ref.acquire();
    }

    void releaseHandle() {
        ref.release();
    }

    /** What the selector sees of this channel; not public API. */
    final SelChannel sel = new SelChannel() {
        @Override
        public void kill() {
            ref.tryFree();
        }

        @Override
        public int registeredHandle() {
            synchronized (stateLock) {
                // A flow that is not yet allocated has nothing to watch.
                return state == UNCONNECTED ? -1 : ref.peek();
            }
        }

        @Override
        public boolean isServer() {
            return false;
        }

        @Override
        public int translateReadyOps(int events, int interestOps) {
            if ((events & Consts.EV_DOWN) != 0) {
                return interestOps;
            }
            // state is volatile: no lock on a select's path (a closed flow's keys are invalid).
            int st = state;
            int ops = 0;
            if ((events & Consts.EV_PKT) != 0) {
                ops |= st == PENDING ? SelectionKey.OP_CONNECT : SelectionKey.OP_READ;
            }
            if ((events & Consts.EV_OUT) != 0 && st == CONNECTED) {
                ops |= SelectionKey.OP_WRITE;
            }
            return ops;
        }

        @Override
        public int nativeInterest(int ops) {
            int in = 0;
            if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_CONNECT)) != 0) {
                in |= Consts.IN_READ;
            }
            if ((ops & SelectionKey.OP_WRITE) != 0) {
                in |= Consts.IN_WRITE;
            }
            return in;
        }

        @Override
        public void addKey(FlowKey key) {
            keys.add(key);
            if (buffered) {
                ((FlowSelector) key.selector()).markBuffered(key);
            }
        }

        @Override
        public void removeKey(FlowKey key) {
            keys.remove(key);
        }

        @Override
        public boolean hasBufferedInput() {
            return buffered;
        }
    };

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Flow[");
        synchronized (stateLock) {
            if (!isOpen()) {
                sb.append("closed");
            } else {
                sb.append(state == CONNECTED ? "connected" : state == PENDING ? "pending" : "unconnected");
            }
            if (remote != null) {
                sb.append(broadcast ? " layer=" : " name=").append(remote);
            }
        }
        return sb.append(']').toString();
    }
}
