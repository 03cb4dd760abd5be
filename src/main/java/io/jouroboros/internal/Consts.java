/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

/** Event and interest bits, read from native code on first use. */
public final class Consts {
    static {
        NativeLibrary.load();
    }

    /** {@code FLOW_PKT}: something to read (or to accept). */
    public static final int EV_PKT = Native.constant("FLOW_PKT");
    /** {@code FLOW_DOWN}: the peer hung up. */
    public static final int EV_DOWN = Native.constant("FLOW_DOWN");
    /** Ours: the flow can take an SDU now. */
    public static final int EV_OUT = Native.constant("EV_OUT");
    /** Interest in reading (or accepting, or the end of an allocation). */
    public static final int IN_READ = Native.constant("IN_READ");
    /** Interest in writing. */
    public static final int IN_WRITE = Native.constant("IN_WRITE");
    /** Report each arrival once, as Ouroboros's {@code fevent} does. */
    public static final int IN_EDGE = Native.constant("IN_EDGE");

    private Consts() {
    }
}
