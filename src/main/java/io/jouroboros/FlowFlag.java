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
 * Flow flags of {@code fccntl} ({@code FLOWF*}), with Ouroboros's values;
 * pyOuroboros's {@code FlowProperties}. A set holds exactly one access mode
 * ({@link #READ_ONLY}, {@link #WRITE_ONLY}, {@link #READ_WRITE}).
 */
public enum FlowFlag {
    /** {@code FLOWFRDONLY}: writes fail with {@link FlowPermissionException}. */
    READ_ONLY(Consts.FLOWFRDONLY),
    /** {@code FLOWFWRONLY}: reads fail with {@link FlowPermissionException}. */
    WRITE_ONLY(Consts.FLOWFWRONLY),
    /** {@code FLOWFRDWR}: the default access mode. */
    READ_WRITE(Consts.FLOWFRDWR),
    /** {@code FLOWFDOWN}: the flow is down; set it to take the flow down for writes. */
    DOWN(Consts.FLOWFDOWN),
    /** {@code FLOWFRNOBLOCK}: reads return at once (0 when nothing is queued). */
    NON_BLOCKING_READ(Consts.FLOWFRNOBLOCK),
    /** {@code FLOWFWNOBLOCK}: writes return at once (0 when the flow cannot take the SDU). */
    NON_BLOCKING_WRITE(Consts.FLOWFWNOBLOCK),
    /**
     * {@code FLOWFRNOPART}: an SDU larger than the read buffer fails the read
     * with {@link MessageTooLargeException} and stays queued whole.
     */
    NO_PARTIAL_READ(Consts.FLOWFRNOPART),
    /**
     * {@code FLOWFWNOPART}: set by default, as in Ouroboros; Ouroboros 0.23
     * gives it no effect on writes, and neither do we.
     */
    NO_PARTIAL_WRITE(Consts.FLOWFWNOPART);

    // -1 while the native library is unavailable.
    private final int value;

    FlowFlag(int value) {
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
            throw NativeLibrary.unsupported("FlowFlag.value()");
        }
        return value;
    }

    /**
     * Both non-blocking flags, pyOuroboros's {@code NonBlocking}.
     *
     * @return a new set of the two flags
     */
    public static EnumSet<FlowFlag> nonBlocking() {
        return EnumSet.of(NON_BLOCKING_READ, NON_BLOCKING_WRITE);
    }

    static int toBits(Set<FlowFlag> flags) {
        int bits = 0;
        int modes = 0;
        for (FlowFlag f : flags) {
            if (f == READ_ONLY || f == WRITE_ONLY || f == READ_WRITE) {
                modes++;
            }
            bits |= f.value();
        }
        if (modes != 1) {
            throw new IllegalArgumentException(
                    "flags must hold exactly one of READ_ONLY, WRITE_ONLY, READ_WRITE: " + flags);
        }
        return bits;
    }

    static EnumSet<FlowFlag> fromBits(int bits) {
        EnumSet<FlowFlag> set = EnumSet.noneOf(FlowFlag.class);
        int mode = bits & Consts.FLOWFACCMODE;
        for (FlowFlag f : values()) {
            boolean isMode = f == READ_ONLY || f == WRITE_ONLY || f == READ_WRITE;
            if (isMode ? mode == f.value() : (bits & f.value()) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
