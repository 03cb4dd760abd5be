/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * The native handle of a channel and the rule that keeps it safe, after
 * {@code SocketChannelImpl}: a thread takes the handle with {@link #acquire()}
 * for the length of one native call (or under one of the owner's I/O locks,
 * below); close wakes those threads at once ({@link #close()}), but the
 * handle is freed only when the last of them has left and no selector holds
 * the channel ({@link #tryFree()}), so no native
 * object is ever freed, or its handle reused, under a live call. A channel
 * dropped without close is freed by a {@link Cleaner}: unreachable, it can
 * be in no call and no selector.
 *
 * <p>A channel's reads and writes, each under a lock of its own, take the
 * handle without counting ({@link #handleUnderLock()}): the handle is freed
 * only while the owner says none of those locks is held ({@code busy}), and
 * a thread that leaves one once closing began tries to free it itself
 * ({@link #afterUnlock()}). Taking the lock and setting the closing flag
 * are each a volatile write made before that side reads the other's state
 * (volatile actions fall in one total order), so one of them sees the
 * other: either the call is refused, or the free waits for its unlock. That
 * spares the hot path two atomic operations a call.
 */
final class NativeRef {
    private static final Cleaner CLEANER = Cleaner.create();
    /** In {@link #word}: set once close began; below it, the threads in a call. */
    private static final long CLOSING = 1L << 32;
    private static final VarHandle WORD;

    static {
        try {
            WORD = MethodHandles.lookup().findVarHandle(NativeRef.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AbstractSelectableChannel channel;
    private final IntConsumer wake;
    private final IntConsumer free;

    /*
     * The counted users and the closing flag in one word, so that a counted
     * call takes and leaves the handle with one atomic operation, no lock:
     * no call is let in once closing is set, and whoever brings the users to
     * 0 while closing (or closes with none, or leaves an I/O lock while
     * closing: afterUnlock) frees, once busy is false too.
     */
    @SuppressWarnings("unused") // through WORD
    private volatile long word;
    // Written under this; -1 until set, and again once freed.
    private volatile int handle = -1;
    private Cleaner.Cleanable cleanable; // guarded by this

    private final BooleanSupplier busy;

    NativeRef(AbstractSelectableChannel channel, IntConsumer wake, IntConsumer free) {
        this(channel, wake, free, () -> false);
    }

    /** busy: whether a call holds one of the locks under which {@link #handleUnderLock()} is used. */
    NativeRef(AbstractSelectableChannel channel, IntConsumer wake, IntConsumer free, BooleanSupplier busy) {
        this.channel = channel;
        this.wake = wake;
        this.free = free;
        this.busy = busy;
    }

    private boolean closing() {
        return ((long) WORD.getVolatile(this) & CLOSING) != 0;
    }

    /** Stores the handle; a channel closed meanwhile frees it at once. */
    void set(int h) {
        synchronized (this) {
            if (!closing()) {
                IntConsumer f = free;
                cleanable = CLEANER.register(channel, () -> f.accept(h));
                handle = h;
                return;
            }
        }
        free.accept(h);
    }

    /** The handle even while closing: only for a selector that holds the channel registered. */
    int peek() {
        return handle;
    }

    boolean isSet() {
        return handle >= 0;
    }

    /** The handle, held until {@link #release()}; throws if closed. */
    int acquire() throws ClosedChannelException {
        long w = (long) WORD.getVolatile(this);
        while (true) {
            if ((w & CLOSING) != 0) {
                throw new ClosedChannelException();
            }
            long seen = (long) WORD.compareAndExchange(this, w, w + 1);
            if (seen == w) {
                break;
            }
            w = seen;
        }
        int h = handle;
        if (h < 0) {
            release();
            throw new ClosedChannelException();
        }
        return h;
    }

    /**
     * The handle, for a call made under one of the owner's locks (its
     * {@code busy} is true until that lock is released), not counted.
     */
    int handleUnderLock() throws ClosedChannelException {
        if (closing()) {
            throw new ClosedChannelException();
        }
        int h = handle;
        if (h < 0) {
            throw new ClosedChannelException();
        }
        return h;
    }

    /** After the lock of a {@link #handleUnderLock()} call was released: frees a closing handle left to it. */
    void afterUnlock() {
        if (closing()) {
            tryFree();
        }
    }

    void release() {
        long w = (long) WORD.getAndAdd(this, -1L) - 1;
        if (w == CLOSING) {
            tryFree(); // the last one out of a closing handle
        }
    }

    /** Marks the handle closing and wakes every thread blocked on it. */
    void close() {
        long w = (long) WORD.getAndBitwiseOr(this, CLOSING);
        if ((w & CLOSING) != 0) {
            return;
        }
        synchronized (this) { // after set(): a handle stored before closing is woken
            int h = handle;
            if (h >= 0) {
                wake.accept(h);
            }
        }
        tryFree();
    }

    /** Frees the handle if it is closing, unused and unregistered. */
    void tryFree() {
        Cleaner.Cleanable c;
        synchronized (this) {
            if ((long) WORD.getVolatile(this) != CLOSING || handle < 0 || busy.getAsBoolean()
                    || channel.isRegistered()) {
                return;
            }
            handle = -1;
            c = cleanable;
            cleanable = null;
        }
        c.clean(); // frees the handle, once
    }
}
