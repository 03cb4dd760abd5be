/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.NativeLibrary;
import java.util.EnumSet;
import java.util.Set;

/**
 * Flags of the flow's reliable transport, FRCT ({@code FRCTF*} of
 * {@code fccntl.h}). The embedded layer is reliable and in order by
 * construction: it keeps the flags and reports them back.
 */
public enum FrctFlag {
    /** {@code FRCTFRTX}: retransmission. */
    RETRANSMIT(Consts.FRCTFRTX),
    /** {@code FRCTFRESCNTL}: feedback from the receiver (resource control). */
    RESOURCE_CONTROL(Consts.FRCTFRESCNTL),
    /** {@code FRCTFLINGER}: send unsent data before deallocation. */
    LINGER(Consts.FRCTFLINGER);

    // -1 while the native library is unavailable.
    private final int value;

    FrctFlag(int value) {
        this.value = value;
    }

    /**
     * The numeric value in Ouroboros's {@code fccntl.h}, from the native library.
     *
     * @return the value
     * @throws UnsupportedOperationException if the native library is unavailable
     *         ({@link Ouroboros#isAvailable()})
     */
    public int value() {
        if (value < 0) {
            throw NativeLibrary.unsupported("FrctFlag.value()");
        }
        return value;
    }

    static int toBits(Set<FrctFlag> flags) {
        int bits = 0;
        for (FrctFlag f : flags) {
            bits |= f.value();
        }
        return bits;
    }

    static EnumSet<FrctFlag> fromBits(int bits) {
        EnumSet<FrctFlag> set = EnumSet.noneOf(FrctFlag.class);
        for (FrctFlag f : values()) {
            if ((bits & f.value()) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
