/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.nio.ByteBuffer;

/**
 * One direct buffer per thread, of the layer's largest SDU, through which
 * heap buffers are copied: native code only ever sees direct memory, and
 * never holds a critical region.
 */
public final class Scratch {
    private static final ThreadLocal<ByteBuffer> BUFFERS = new ThreadLocal<>();

    private Scratch() {
    }

    /**
     * The calling thread's scratch buffer, cleared, its limit at {@code capacity}.
     *
     * @param capacity the room needed (at most the largest SDU plus one)
     * @return a direct buffer with position 0 and limit {@code capacity}
     */
    public static ByteBuffer get(int capacity) {
        ByteBuffer b = BUFFERS.get();
        if (b == null || b.capacity() < capacity) {
            b = ByteBuffer.allocateDirect(Math.max(capacity, 16 * 1024));
            BUFFERS.set(b);
        }
        b.clear().limit(capacity);
        return b;
    }
}
