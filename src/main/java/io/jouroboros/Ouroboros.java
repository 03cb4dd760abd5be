/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Errors;
import io.jouroboros.internal.LayerRuntime;
import io.jouroboros.internal.Names;
import io.jouroboros.internal.Native;
import io.jouroboros.internal.NativeLibrary;

/**
 * The process's view of Ouroboros: which layer runs, the largest SDU, and
 * binding this process to names.
 *
 * <p>The layer is chosen once, on first use, from the system property
 * {@code jouroboros.layer} or the environment variable
 * {@code JOUROBOROS_LAYER}: {@code auto} (default), {@code system} or
 * {@code embedded}. {@code auto} takes the system layer (the real Ouroboros,
 * through its IRMd) when an IRMd answers on its socket, the embedded layer
 * otherwise; {@code system} without an IRMd throws
 * {@link LayerUnavailableException}. IPCPs, names and registrations of the
 * system layer are managed with {@code io.jouroboros.irm.Irm}.
 *
 * <p>Everything runs on jOuroboros's own native library, carried in the
 * jar. Whether it could be loaded is {@link #isAvailable()}, and why not
 * {@link #unavailabilityCause()} (Netty's {@code Epoll} idiom). Without it
 * every class still loads; calls that do I/O throw
 * {@link LayerUnavailableException} and the others
 * {@link UnsupportedOperationException}, each with that cause.
 */
public final class Ouroboros {
    private static volatile int maxSdu = -1;

    private Ouroboros() {
    }

    /**
     * Whether jOuroboros's native library is loaded, loading it on the first
     * call; never throws. Which layer can run is another question,
     * answered by {@link #layer()}.
     *
     * @return {@code true} if the library is loaded and initialised
     */
    public static boolean isAvailable() {
        return NativeLibrary.isAvailable();
    }

    /**
     * Why jOuroboros's native library cannot be used, loading it on the
     * first call; never throws.
     *
     * @return {@code null} if it is {@linkplain #isAvailable() available},
     *         else the failure (an {@link UnsatisfiedLinkError} naming what was
     *         tried, each attempt's own failure suppressed in it)
     */
    public static Throwable unavailabilityCause() {
        return NativeLibrary.tryLoad();
    }

    /**
     * The layer this process runs on, choosing it on first call.
     *
     * @return the layer
     * @throws LayerUnavailableException if the chosen layer cannot run
     */
    public static Layer layer() throws LayerUnavailableException {
        return LayerRuntime.ensure().equals("system") ? Layer.SYSTEM : Layer.EMBEDDED;
    }

    /**
     * The largest SDU the layer carries, in bytes, as the native library
     * states it (on the system layer it depends on the user: Ouroboros's
     * packet pools give root and the {@code ouroboros} group larger blocks
     * than other users). Larger message-view writes throw
     * {@link MessageTooLargeException}; the stream view splits.
     *
     * @return bytes
     * @throws LayerUnavailableException if the layer cannot run
     */
    public static int maxSdu() throws LayerUnavailableException {
        int m = maxSdu;
        if (m < 0) {
            LayerRuntime.ensure();
            m = Native.maxSdu();
            maxSdu = m;
        }
        return m;
    }

    /** For code that already holds a flow, hence a running layer. */
    static int maxSduUnchecked() {
        int m = maxSdu;
        return m >= 0 ? m : (maxSdu = Native.maxSdu());
    }

    /**
     * Binds this process to a name: allocations to the name reach this
     * process, to be taken by a {@link FlowServerChannel} bound to it
     * ({@code irm_bind_process(getpid(), name)} on the system layer).
     * Bindings are counted: each bind needs its unbind.
     *
     * @param name 1 to 255 bytes of UTF-8
     * @throws IllegalArgumentException if the name is bad
     * @throws java.io.IOException if binding fails
     */
    public static void bindProcess(String name) throws java.io.IOException {
        byte[] nb = Names.encode("name", name);
        LayerRuntime.ensure();
        int r = Native.procBind(nb, true);
        if (r < 0) {
            throw Errors.exception(r, "bind process to " + name);
        }
    }

    /**
     * Undoes one {@link #bindProcess(String)}.
     *
     * @param name the name
     * @throws UnknownNameException if this process is not bound to it
     * @throws java.io.IOException if unbinding fails
     */
    public static void unbindProcess(String name) throws java.io.IOException {
        byte[] nb = Names.encode("name", name);
        LayerRuntime.ensure();
        int r = Native.procBind(nb, false);
        if (r < 0) {
            throw Errors.exception(r, "unbind process from " + name);
        }
    }

    /**
     * Where the native library was loaded from, or {@code null}.
     *
     * @return a description of the source
     */
    public static String nativeLibrary() {
        return NativeLibrary.loadedFrom();
    }

    /**
     * What the layer is attached to: the rendezvous directory of the
     * embedded layer (its path alone), or the Ouroboros library of the
     * system layer. Before a layer runs, this does not start one: it says
     * {@code "no layer runs yet; the embedded layer's rendezvous directory
     * would be <path>"}, or, after a layer failed to start,
     * {@code "no layer runs: <why>"}, where a refused rendezvous directory
     * is named by its path.
     *
     * @return the description, or {@code null} if the native library is
     *         unavailable
     */
    public static String layerInfo() {
        return LayerRuntime.info();
    }
}
