/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

/**
 * The facts native code owns (fccntl numbers, flags, event bits, the
 * Ouroboros version's socket path and library names, ...), read once, at
 * class initialisation, through the one lookup by name
 * ({@link #constant(String)}, {@link #text(String)}; {@link Errors} reads
 * the error codes the same way). Loading this class loads the native
 * library; when it cannot load, every number here is {@code -1} and every
 * string {@code null}, and the callers throw before they use one
 * ({@link NativeLibrary#unsupported(String)}, {@link LayerRuntime#ensure()}).
 */
public final class Consts {
    private static final boolean AVAILABLE = NativeLibrary.isAvailable();

    /** {@code FLOW_PKT}: something to read (or to accept). */
    public static final int EV_PKT = constant("FLOW_PKT");
    /** {@code FLOW_DOWN}: the peer hung up. */
    public static final int EV_DOWN = constant("FLOW_DOWN");
    /** {@code FLOW_UP}. */
    public static final int EV_UP = constant("FLOW_UP");
    /** {@code FLOW_ALLOC}. */
    public static final int EV_ALLOC = constant("FLOW_ALLOC");
    /** {@code FLOW_DEALLOC}. */
    public static final int EV_DEALLOC = constant("FLOW_DEALLOC");
    /** {@code FLOW_PEER}: the peer timed out. */
    public static final int EV_PEER = constant("FLOW_PEER");
    /** Ours: the flow can take an SDU now. */
    public static final int EV_OUT = constant("EV_OUT");
    /** Ours: a ring flow's data came; a level-triggered set looks at the ring ({@code Native.fsetReady}). */
    public static final int EV_RING = constant("EV_RING");
    /** Interest in reading (or accepting, or the end of an allocation). */
    public static final int IN_READ = constant("IN_READ");
    /** Interest in writing. */
    public static final int IN_WRITE = constant("IN_WRITE");
    /** Report each arrival once, as Ouroboros's {@code fevent} does. */
    public static final int IN_EDGE = constant("IN_EDGE");

    // Flow flags (FLOWF*) and FRCT flags (FRCTF*).
    /** {@code FLOWFRDONLY}. */
    public static final int FLOWFRDONLY = constant("FLOWFRDONLY");
    /** {@code FLOWFWRONLY}. */
    public static final int FLOWFWRONLY = constant("FLOWFWRONLY");
    /** {@code FLOWFRDWR}. */
    public static final int FLOWFRDWR = constant("FLOWFRDWR");
    /** {@code FLOWFACCMODE}: the access-mode bits. */
    public static final int FLOWFACCMODE = constant("FLOWFACCMODE");
    /** {@code FLOWFDOWN}. */
    public static final int FLOWFDOWN = constant("FLOWFDOWN");
    /** {@code FLOWFRNOBLOCK}. */
    public static final int FLOWFRNOBLOCK = constant("FLOWFRNOBLOCK");
    /** {@code FLOWFWNOBLOCK}. */
    public static final int FLOWFWNOBLOCK = constant("FLOWFWNOBLOCK");
    /** {@code FLOWFRNOPART}. */
    public static final int FLOWFRNOPART = constant("FLOWFRNOPART");
    /** {@code FLOWFWNOPART}. */
    public static final int FLOWFWNOPART = constant("FLOWFWNOPART");
    /** {@code FRCTFRTX}. */
    public static final int FRCTFRTX = constant("FRCTFRTX");
    /** {@code FRCTFRESCNTL}. */
    public static final int FRCTFRESCNTL = constant("FRCTFRESCNTL");
    /** {@code FRCTFLINGER}. */
    public static final int FRCTFLINGER = constant("FRCTFLINGER");

    // fccntl commands (and ours).
    /** {@code FLOWSRCVTIMEO}. */
    public static final int FLOWSRCVTIMEO = constant("FLOWSRCVTIMEO");
    /** {@code FLOWGRCVTIMEO}. */
    public static final int FLOWGRCVTIMEO = constant("FLOWGRCVTIMEO");
    /** {@code FLOWSSNDTIMEO}. */
    public static final int FLOWSSNDTIMEO = constant("FLOWSSNDTIMEO");
    /** {@code FLOWGSNDTIMEO}. */
    public static final int FLOWGSNDTIMEO = constant("FLOWGSNDTIMEO");
    /** {@code FLOWSFLAGS}. */
    public static final int FLOWSFLAGS = constant("FLOWSFLAGS");
    /** {@code FLOWGFLAGS}. */
    public static final int FLOWGFLAGS = constant("FLOWGFLAGS");
    /** {@code FLOWGRXQLEN}. */
    public static final int FLOWGRXQLEN = constant("FLOWGRXQLEN");
    /** {@code FLOWGTXQLEN}. */
    public static final int FLOWGTXQLEN = constant("FLOWGTXQLEN");
    /** {@code FRCTSFLAGS}. */
    public static final int FRCTSFLAGS = constant("FRCTSFLAGS");
    /** {@code FRCTGFLAGS}. */
    public static final int FRCTGFLAGS = constant("FRCTGFLAGS");
    /** {@code JOURGRXTOTAL}. */
    public static final int JOURGRXTOTAL = constant("JOURGRXTOTAL");
    /** {@code JOURGMAXSDU}. */
    public static final int JOURGMAXSDU = constant("JOURGMAXSDU");

    // The Ouroboros version this library is built for.
    /** The peer timeout of Ouroboros's QoS presets, in ms. */
    public static final int DEFAULT_PEER_TIMEOUT_MS = constant("DEFAULT_PEER_TIMEOUT");
    /** The IRMd's socket path. */
    public static final String IRM_SOCKET = text("IRM_SOCKET");
    /** The soname of {@code libouroboros-dev}, with its version. */
    public static final String LIB_DEV = text("LIB_DEV");
    /** The soname of {@code libouroboros-irm}, with its version. */
    public static final String LIB_IRM = text("LIB_IRM");
    /** The Ouroboros version this library is built for (major.minor). */
    public static final String VERSION = text("VERSION");
    /** What the IRMd lists as the layer of an IPCP in none. */
    public static final String LAYER_NONE = text("LAYER_NONE");

    private Consts() {
    }

    /**
     * A number of {@code errors.c} by its C name; {@code -1} if the native
     * library is unavailable. For class initialisers only.
     *
     * @param cName the name, such as {@code "FLOWFRDONLY"}
     * @return the value
     */
    public static int constant(String cName) {
        return AVAILABLE ? Native.constant(cName) : -1;
    }

    /**
     * A string of {@code errors.c} by its name; {@code null} if the native
     * library is unavailable. For class initialisers only.
     *
     * @param name the name, such as {@code "IRM_SOCKET"}
     * @return the value
     */
    public static String text(String name) {
        return AVAILABLE ? Native.textConstant(name) : null;
    }
}
