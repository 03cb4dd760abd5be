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
 * Flow flags of {@code fccntl} ({@code FLOWF*}), with Ouroboros's values;
 * pyOuroboros's {@code FlowProperties}. A set holds exactly one access mode
 * ({@link #READ_ONLY}, {@link #WRITE_ONLY}, {@link #READ_WRITE}).
 */
public enum FlowFlag {
    /** {@code FLOWFRDONLY}: writes fail with {@link FlowPermissionException}. */
    READ_ONLY("FLOWFRDONLY"),
    /** {@code FLOWFWRONLY}: reads fail with {@link FlowPermissionException}. */
    WRITE_ONLY("FLOWFWRONLY"),
    /** {@code FLOWFRDWR}: the default access mode. */
    READ_WRITE("FLOWFRDWR"),
    /** {@code FLOWFDOWN}: the flow is down; set it to take the flow down for writes. */
    DOWN("FLOWFDOWN"),
    /** {@code FLOWFRNOBLOCK}: reads return at once (0 when nothing is queued). */
    NON_BLOCKING_READ("FLOWFRNOBLOCK"),
    /** {@code FLOWFWNOBLOCK}: writes return at once (0 when the flow cannot take the SDU). */
    NON_BLOCKING_WRITE("FLOWFWNOBLOCK"),
    /**
     * {@code FLOWFRNOPART}: an SDU larger than the read buffer fails the read
     * with {@link MessageTooLargeException} and stays queued whole.
     */
    NO_PARTIAL_READ("FLOWFRNOPART"),
    /**
     * {@code FLOWFWNOPART}: set by default, as in Ouroboros; Ouroboros 0.23
     * gives it no effect on writes, and neither do we.
     */
    NO_PARTIAL_WRITE("FLOWFWNOPART");

    static {
        NativeLibrary.load();
    }

    private final String cName;
    private int value = -1;

    FlowFlag(String cName) {
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

    private static int accMask() {
        return io.jouroboros.internal.Consts.FLOWFACCMODE;
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
        int mode = bits & accMask();
        for (FlowFlag f : values()) {
            boolean isMode = f == READ_ONLY || f == WRITE_ONLY || f == READ_WRITE;
            if (isMode ? mode == f.value() : (bits & f.value()) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
