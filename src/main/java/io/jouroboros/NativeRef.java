/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.lang.ref.Cleaner;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.util.function.IntConsumer;

/**
 * The native handle of a channel and the rule that keeps it safe, after
 * {@code SocketChannelImpl}: a thread takes the handle with {@link #acquire()}
 * for the length of one native call; close wakes those threads at once
 * ({@link #close()}), but the handle is freed only when the last of them has
 * left and no selector holds the channel ({@link #tryFree()}), so no native
 * object is ever freed, or its handle reused, under a live call. A channel
 * dropped without close is freed by a {@link Cleaner}: unreachable, it can
 * be in no call and no selector.
 */
final class NativeRef {
    private static final Cleaner CLEANER = Cleaner.create();

    private final AbstractSelectableChannel channel;
    private final IntConsumer wake;
    private final IntConsumer free;

    // guarded by this
    private int handle = -1;
    private Cleaner.Cleanable cleanable;
    private int users;
    private boolean closing;

    NativeRef(AbstractSelectableChannel channel, IntConsumer wake, IntConsumer free) {
        this.channel = channel;
        this.wake = wake;
        this.free = free;
    }

    /** Stores the handle; a channel closed meanwhile frees it at once. */
    void set(int h) {
        synchronized (this) {
            if (!closing) {
                handle = h;
                IntConsumer f = free;
                cleanable = CLEANER.register(channel, () -> f.accept(h));
                return;
            }
        }
        free.accept(h);
    }

    /** The handle even while closing: only for a selector that holds the channel registered. */
    synchronized int peek() {
        return handle;
    }

    synchronized boolean isSet() {
        return handle >= 0;
    }

    /** The handle, held until {@link #release()}; throws if closed. */
    synchronized int acquire() throws ClosedChannelException {
        if (closing || handle < 0) {
            throw new ClosedChannelException();
        }
        users++;
        return handle;
    }

    void release() {
        boolean last;
        synchronized (this) {
            users--;
            last = closing && users == 0;
        }
        if (last) {
            tryFree();
        }
    }

    /** Marks the handle closing and wakes every thread blocked on it. */
    void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            if (handle >= 0) {
                wake.accept(handle);
            }
        }
        tryFree();
    }

    /** Frees the handle if it is closing, unused and unregistered. */
    void tryFree() {
        Cleaner.Cleanable c;
        synchronized (this) {
            if (!closing || users > 0 || handle < 0 || channel.isRegistered()) {
                return;
            }
            handle = -1;
            c = cleanable;
            cleanable = null;
        }
        c.clean(); // frees the handle, once
    }
}
