/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import io.jouroboros.LayerUnavailableException;
import java.util.Locale;

/**
 * Loads the native library and chooses the layer, once per process, on
 * first use. Choice: system property {@code jouroboros.layer}, else the
 * environment variable {@code JOUROBOROS_LAYER}, else {@code auto}. The
 * embedded layer's rendezvous directory comes from
 * {@code jouroboros.embedded.dir} / {@code JOUROBOROS_EMBEDDED_DIR}, else the
 * native default ({@code $XDG_RUNTIME_DIR/jouroboros} or
 * {@code /tmp/jouroboros-<uid>}).
 */
public final class LayerRuntime {
    private static String layer;
    private static LayerUnavailableException failure;

    private LayerRuntime() {
    }

    private static String setting(String property, String env, String dflt) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            v = System.getenv(env);
        }
        return v == null || v.isEmpty() ? dflt : v;
    }

    /**
     * Makes sure the layer runs, and returns its name ({@code "embedded"} or
     * {@code "system"}).
     *
     * @return the running layer's name
     * @throws LayerUnavailableException if it cannot run; thrown again on every call
     */
    public static synchronized String ensure() throws LayerUnavailableException {
        if (layer != null) {
            return layer;
        }
        if (failure != null) {
            throw copy(failure);
        }
        try {
            NativeLibrary.load();
        } catch (UnsatisfiedLinkError e) {
            failure = new LayerUnavailableException(0, "ENATIVE", e.getMessage()
                    + " (see the suppressed causes; run io.jouroboros.Selftest for a report)");
            failure.initCause(e);
            throw copy(failure);
        }
        String want = setting("jouroboros.layer", "JOUROBOROS_LAYER", "auto").toLowerCase(Locale.ROOT);
        switch (want) {
            case "auto":
            case "embedded":
                break;
            case "system":
                failure = new LayerUnavailableException(Errors.ENOTSUP, "ENOTSUP",
                        "jouroboros.layer=system: the system layer (a real Ouroboros IRMd) is not"
                                + " supported by this build; use 'embedded' or 'auto'");
                throw copy(failure);
            default:
                failure = new LayerUnavailableException(0, "EINVAL",
                        "jouroboros.layer=" + want + ": unknown layer; use auto, system or embedded");
                throw copy(failure);
        }
        String dir = setting("jouroboros.embedded.dir", "JOUROBOROS_EMBEDDED_DIR", null);
        int ret = Native.layerSelect("embedded", dir);
        if (ret < 0) {
            String name = Errors.name(-ret);
            failure = new LayerUnavailableException(-ret, name, "embedded layer: the rendezvous directory "
                    + (dir != null ? dir : "(default)") + " is unusable: " + Native.errorText(-ret)
                    + " (" + name + "); it must be a directory owned by this user with mode 0700");
            throw copy(failure);
        }
        layer = "embedded";
        return layer;
    }

    /** The rendezvous directory of the embedded layer, once it runs. */
    public static String info() {
        return layer == null ? null : Native.layerInfo();
    }

    private static LayerUnavailableException copy(LayerUnavailableException e) {
        LayerUnavailableException c = new LayerUnavailableException(e.code(), e.errorName(), e.getMessage());
        c.initCause(e.getCause() != null ? e.getCause() : e);
        return c;
    }
}
