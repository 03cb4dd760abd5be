/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import io.jouroboros.AuthenticationException;
import io.jouroboros.EncryptionException;
import io.jouroboros.FlowDownException;
import io.jouroboros.FlowPermissionException;
import io.jouroboros.FlowTimeoutException;
import io.jouroboros.MessageTooLargeException;
import io.jouroboros.NotAllocatedException;
import io.jouroboros.OuroborosException;
import io.jouroboros.PeerTimeoutException;
import io.jouroboros.UnknownNameException;
import io.jouroboros.irm.IrmException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The error codes native calls return (negated), read once from native code
 * ({@code errors.c}) at class initialisation and compared as ints, and the
 * one mapper from a code to an exception. When the native library is
 * unavailable every code is {@code -1}; no native call returns then.
 */
public final class Errors {
    /** Nothing queued (non-blocking). */
    public static final int EAGAIN = Consts.constant("EAGAIN");
    /** Interrupted by a signal: retry. */
    public static final int EINTR = Consts.constant("EINTR");
    /** Not permitted (by the flow's flags; by the IRMd, which says -1 to most refusals). */
    public static final int EPERM = Consts.constant("EPERM");
    /** Permission denied. */
    public static final int EACCES = Consts.constant("EACCES");
    /** Invalid argument. */
    public static final int EINVAL = Consts.constant("EINVAL");
    /** Not found (a file, a library, a program). */
    public static final int ENOENT = Consts.constant("ENOENT");
    /** The SDU does not fit. */
    public static final int EMSGSIZE = Consts.constant("EMSGSIZE");
    /** Timed out. */
    public static final int ETIMEDOUT = Consts.constant("ETIMEDOUT");
    /** Not supported (on this layer). */
    public static final int ENOTSUP = Consts.constant("ENOTSUP");
    /** The flow is not allocated. */
    public static final int ENOTALLOC = Consts.constant("ENOTALLOC");
    /** The IRMd does not answer. */
    public static final int EIRMD = Consts.constant("EIRMD");
    /** No such IPCP, or it failed (for a flow: the name is unreachable). */
    public static final int EIPCP = Consts.constant("EIPCP");
    /** The flow is down: the peer is gone. */
    public static final int EFLOWDOWN = Consts.constant("EFLOWDOWN");
    /** The flow is down: the peer timed out. */
    public static final int EFLOWPEER = Consts.constant("EFLOWPEER");
    /** Unknown name. */
    public static final int ENAME = Consts.constant("ENAME");
    /** Encryption failed: the key exchange or its configuration was refused. */
    public static final int ECRYPT = Consts.constant("ECRYPT");
    /** Authentication failed: a certificate or key was refused. */
    public static final int EAUTH = Consts.constant("EAUTH");
    /** Ours: a close from another thread woke the call. */
    public static final int EWOKEN = Consts.constant("EWOKEN");
    /** Ours: the Ouroboros library lacks functions of the supported version. */
    public static final int EVERSION = Consts.constant("EVERSION");

    private static final ConcurrentHashMap<Integer, String> NAMES = new ConcurrentHashMap<>();

    private Errors() {
    }

    /**
     * The symbolic name of a (positive) code, such as {@code "ENAME"}.
     *
     * @param code the code
     * @return its name, from native code ({@code "E<code>"} without it)
     */
    public static String name(int code) {
        if (!NativeLibrary.isAvailable()) {
            return "E" + code;
        }
        return NAMES.computeIfAbsent(code, c -> {
            String n = Native.errorName(c);
            return n != null ? n : "E" + c;
        });
    }

    /**
     * What a (positive) code means, from native code.
     *
     * @param code the code
     * @return a short text
     */
    public static String text(int code) {
        return NativeLibrary.isAvailable() ? Native.errorText(code) : "error " + code;
    }

    /**
     * The exception for a negative result {@code ret} of a flow, server or
     * selector call.
     *
     * @param ret the result, negative
     * @param what what was being done, for the message
     * @return the exception
     */
    public static OuroborosException exception(int ret, String what) {
        return map(-ret, what, false);
    }

    /**
     * The exception for a negative result {@code ret} of an IRM management
     * call: an {@link IrmException}, whose message says what the code means
     * coming from the IRMd.
     *
     * @param ret the result, negative
     * @param what what was being done, for the message
     * @return the exception
     */
    public static IrmException irmException(int ret, String what) {
        return (IrmException) map(-ret, what, true);
    }

    /** The one mapper from a code to an exception. */
    private static OuroborosException map(int code, String what, boolean irm) {
        String name = name(code);
        if (irm) {
            String why;
            if (code == EPERM) {
                why = "refused by the IRMd (its log says why)";
            } else if (code == EIRMD) {
                why = "the IRMd does not answer";
            } else if (code == EIPCP) {
                why = "no such IPCP, or the IPCP failed";
            } else if (code == ENAME) {
                why = "no such name (create it first)";
            } else if (code == ENOENT) {
                why = "not found";
            } else {
                why = text(code);
            }
            return new IrmException(code, name, what + ": " + why + " (" + name + ")");
        }
        String msg = what + ": " + text(code) + " (" + name + ")";
        if (code == ETIMEDOUT) {
            return new FlowTimeoutException(code, name, msg);
        }
        if (code == ENAME || code == EIPCP) {
            return new UnknownNameException(code, name, msg);
        }
        if (code == EFLOWDOWN) {
            return new FlowDownException(code, name, msg);
        }
        if (code == EFLOWPEER) {
            return new PeerTimeoutException(code, name, msg);
        }
        if (code == EPERM || code == EACCES) {
            return new FlowPermissionException(code, name, msg);
        }
        if (code == ENOTALLOC) {
            return new NotAllocatedException(code, name, msg);
        }
        if (code == EMSGSIZE) {
            return new MessageTooLargeException(code, name, msg);
        }
        if (code == ECRYPT) {
            return new EncryptionException(code, name, msg);
        }
        if (code == EAUTH) {
            return new AuthenticationException(code, name, msg);
        }
        return new OuroborosException(code, name, msg);
    }
}
