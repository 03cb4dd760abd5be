/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Direct buffers for virtual threads to copy heap buffers through. {@link
 * Scratch} keeps one per thread, which is right for a few platform threads
 * and wrong for ten thousand virtual ones (as many buffers of up to the
 * largest SDU). A virtual thread's native calls never wait (see
 * {@link Poller}), so a buffer is needed only for the length of one call:
 * it is taken from a small shared pool and given back at once, and the pool
 * holds about as many buffers as calls run at the same time, that is carriers.
 */
public final class VirtualScratch {
    private static final ArrayBlockingQueue<ByteBuffer> POOL = new ArrayBlockingQueue<>(64);

    private VirtualScratch() {
    }

    /**
     * A buffer of the pool, or a new one; give it back with {@link #give}.
     *
     * @param capacity the room needed (at most the largest SDU plus one)
     * @return a direct buffer with position 0 and limit {@code capacity}
     */
    public static ByteBuffer take(int capacity) {
        ByteBuffer b = POOL.poll();
        if (b == null || b.capacity() < capacity) {
            // A small one goes: the next take of a small size makes another.
            b = ByteBuffer.allocateDirect(Math.max(capacity, 16 * 1024));
        }
        b.clear().limit(capacity);
        return b;
    }

    /**
     * Puts a buffer from {@link #take} back; dropped when the pool is full.
     *
     * @param b the buffer, no longer used by the caller
     */
    public static void give(ByteBuffer b) {
        POOL.offer(b);
    }
}
