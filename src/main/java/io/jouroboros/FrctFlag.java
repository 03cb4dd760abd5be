/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Native;
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
    RETRANSMIT("FRCTFRTX"),
    /** {@code FRCTFRESCNTL}: feedback from the receiver (resource control). */
    RESOURCE_CONTROL("FRCTFRESCNTL"),
    /** {@code FRCTFLINGER}: send unsent data before deallocation. */
    LINGER("FRCTFLINGER");

    static {
        NativeLibrary.load();
    }

    private final String cName;
    private int value = -1;

    FrctFlag(String cName) {
        this.cName = cName;
    }

    /**
     * The numeric value in Ouroboros's {@code fccntl.h}.
     *
     * @return the value
     */
    public int value() {
        if (value < 0) {
            value = Native.constant(cName);
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
