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

    // fccntl commands (and ours), read once.
    /** {@code FLOWSRCVTIMEO}. */
    public static final int FLOWSRCVTIMEO = Native.constant("FLOWSRCVTIMEO");
    /** {@code FLOWGRCVTIMEO}. */
    public static final int FLOWGRCVTIMEO = Native.constant("FLOWGRCVTIMEO");
    /** {@code FLOWSSNDTIMEO}. */
    public static final int FLOWSSNDTIMEO = Native.constant("FLOWSSNDTIMEO");
    /** {@code FLOWGSNDTIMEO}. */
    public static final int FLOWGSNDTIMEO = Native.constant("FLOWGSNDTIMEO");
    /** {@code FLOWSFLAGS}. */
    public static final int FLOWSFLAGS = Native.constant("FLOWSFLAGS");
    /** {@code FLOWGFLAGS}. */
    public static final int FLOWGFLAGS = Native.constant("FLOWGFLAGS");
    /** {@code FLOWGRXQLEN}. */
    public static final int FLOWGRXQLEN = Native.constant("FLOWGRXQLEN");
    /** {@code FLOWGTXQLEN}. */
    public static final int FLOWGTXQLEN = Native.constant("FLOWGTXQLEN");
    /** {@code FRCTSFLAGS}. */
    public static final int FRCTSFLAGS = Native.constant("FRCTSFLAGS");
    /** {@code FRCTGFLAGS}. */
    public static final int FRCTGFLAGS = Native.constant("FRCTGFLAGS");
    /** {@code JOURGRXTOTAL}. */
    public static final int JOURGRXTOTAL = Native.constant("JOURGRXTOTAL");
    /** {@code JOURGMAXSDU}. */
    public static final int JOURGMAXSDU = Native.constant("JOURGMAXSDU");
    /** {@code FLOWFACCMODE}. */
    public static final int FLOWFACCMODE = Native.constant("FLOWFACCMODE");

    private Consts() {
    }
}
