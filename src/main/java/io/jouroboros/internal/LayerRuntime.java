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
 * environment variable {@code JOUROBOROS_LAYER}, else {@code auto}, which
 * takes the system layer when an IRMd answers on its socket
 * ({@code jouroboros.irm.socket} / {@code JOUROBOROS_IRM_SOCKET}, default
 * the IRMd's own, {@link Consts#IRM_SOCKET}) and the embedded layer otherwise. The
 * embedded layer's rendezvous directory comes from
 * {@code jouroboros.embedded.dir} / {@code JOUROBOROS_EMBEDDED_DIR}, else the
 * native default ({@code $XDG_RUNTIME_DIR/jouroboros} or
 * {@code /tmp/jouroboros-<uid>}).
 */
public final class LayerRuntime {
    private static String layer;
    private static String note;
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
        Throwable missing = NativeLibrary.tryLoad();
        if (missing != null) {
            // No native code to name a code: 0, and a name of ours.
            failure = new LayerUnavailableException(0, "ENATIVE", missing.getMessage()
                    + " (see the cause and its suppressed exceptions; the Selftest example prints a report)");
            failure.initCause(missing);
            throw copy(failure);
        }
        String want = setting("jouroboros.layer", "JOUROBOROS_LAYER", "auto").toLowerCase(Locale.ROOT);
        String socket = setting("jouroboros.irm.socket", "JOUROBOROS_IRM_SOCKET", null);
        switch (want) {
            case "system":
                startSystem(socket);
                return layer;
            case "auto":
                if (Native.irmdAlive(socket)) {
                    try {
                        startSystem(socket);
                        return layer;
                    } catch (LayerUnavailableException e) {
                        // An IRMd without a usable library: stay local, say why.
                        note = "auto: the system layer could not start (" + e.getMessage() + ")";
                        failure = null;
                    }
                }
                break;
            case "embedded":
                break;
            default:
                failure = new LayerUnavailableException(Errors.EINVAL, Errors.name(Errors.EINVAL),
                        "jouroboros.layer=" + want + ": unknown layer; use auto, system or embedded");
                throw copy(failure);
        }
        String dir = embeddedSetting();
        int ret = Native.layerSelect("embedded", dir);
        if (ret < 0) {
            String name = Errors.name(-ret);
            String where = Native.embeddedDir(dir);
            failure = new LayerUnavailableException(-ret, name, "embedded layer: the rendezvous directory "
                    + (where != null ? where : dir) + (dir != null ? "" : " (the default)") + " is unusable: "
                    + Errors.text(-ret) + " (" + name + "); it must be a directory, not a symbolic link, owned by"
                    + " this user with mode 0700: remove what is there, or choose another directory with"
                    + " jouroboros.embedded.dir or JOUROBOROS_EMBEDDED_DIR");
            throw copy(failure);
        }
        layer = "embedded";
        Buffers.init();
        return layer;
    }

    private static void startSystem(String socket) throws LayerUnavailableException {
        String where = irmSocket(socket);
        if (!Native.irmdAlive(socket)) {
            failure = new LayerUnavailableException(Errors.EIRMD, Errors.name(Errors.EIRMD),
                    "jouroboros.layer=system: no IRMd answers on " + where
                    + "; start the Ouroboros IRMd, or use the embedded layer");
            throw copy(failure);
        }
        int ret = Native.layerSelect("system", socket);
        if (ret < 0) {
            String name = Errors.name(-ret);
            String why = -ret == Errors.ENOENT
                    ? Consts.LIB_DEV + " / " + Consts.LIB_IRM + " not found: install Ouroboros " + Consts.VERSION
                            + otherVersions()
                    : -ret == Errors.EVERSION
                            ? "the Ouroboros library lacks functions of version " + Consts.VERSION
                            : Errors.text(-ret);
            failure = new LayerUnavailableException(-ret, name, "system layer: " + why + " (" + name + ")");
            throw copy(failure);
        }
        layer = "system";
        Buffers.init();
    }

    /**
     * Whether an IRMd answers on its socket (a native seqpacket connect, no
     * Ouroboros library involved).
     *
     * @param socket the socket path, {@code null} for the default
     * @return whether it answers
     */
    public static boolean irmdAlive(String socket) {
        if (!NativeLibrary.isAvailable()) {
            throw NativeLibrary.unsupported("LayerRuntime.irmdAlive");
        }
        return Native.irmdAlive(socket);
    }

    /**
     * The IRMd socket a layer choice asks: the given path, or the IRMd's own.
     *
     * @param socket the configured path, {@code null} for the default
     * @return the path
     */
    public static String irmSocket(String socket) {
        return socket != null ? socket : Consts.IRM_SOCKET;
    }

    private static String embeddedSetting() {
        return setting("jouroboros.embedded.dir", "JOUROBOROS_EMBEDDED_DIR", null);
    }

    /**
     * What the running layer is attached to (and why auto chose it); before
     * a layer runs, the rendezvous directory the embedded layer would use,
     * or why no layer could start (which names that directory when it was
     * the reason); null only without the native library.
     */
    public static synchronized String info() {
        if (layer == null) {
            if (failure != null) {
                return "no layer runs: " + failure.getMessage();
            }
            if (!NativeLibrary.isAvailable()) {
                return null;
            }
            return "no layer runs yet; the embedded layer's rendezvous directory would be "
                    + Native.embeddedDir(embeddedSetting());
        }
        String i = Native.layerInfo();
        return note == null ? i : i + "; " + note;
    }

    /** Ouroboros libraries of other versions in the usual places, for the message. */
    private static String otherVersions() {
        java.util.List<String> dirs = new java.util.ArrayList<>(java.util.List.of(
                "/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/local/lib64", "/usr/lib64"));
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(java.util.Arrays.asList(ld.split(":")));
        }
        java.util.Set<String> found = new java.util.TreeSet<>();
        java.util.Set<String> ours = new java.util.TreeSet<>();
        // "libouroboros-dev.so." of "libouroboros-dev.so.<version>"
        String base = Consts.LIB_DEV.substring(0, Consts.LIB_DEV.indexOf(".so.") + 4);
        for (String d : dirs) {
            String[] names = d.isEmpty() ? null : new java.io.File(d).list();
            if (names == null) {
                continue;
            }
            for (String n : names) {
                if (n.startsWith(Consts.LIB_DEV)) {
                    ours.add(d + "/" + n);
                } else if (n.startsWith(base) && n.substring(base.length()).matches("\\d+\\.\\d+.*")) {
                    found.add(d + "/" + n);
                }
            }
        }
        if (!ours.isEmpty()) {
            return "; " + ours + " exists but the loader does not find it: run ldconfig or set LD_LIBRARY_PATH";
        }
        return found.isEmpty() ? "" : "; found another version, which this jOuroboros does not support: " + found;
    }

    private static LayerUnavailableException copy(LayerUnavailableException e) {
        LayerUnavailableException c = new LayerUnavailableException(e.code(), e.errorName(), e.getMessage());
        c.initCause(e.getCause() != null ? e.getCause() : e);
        return c;
    }
}
