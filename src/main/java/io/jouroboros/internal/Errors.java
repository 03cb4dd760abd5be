/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import io.jouroboros.FlowDownException;
import io.jouroboros.FlowPermissionException;
import io.jouroboros.FlowTimeoutException;
import io.jouroboros.MessageTooLargeException;
import io.jouroboros.NotAllocatedException;
import io.jouroboros.OuroborosException;
import io.jouroboros.PeerTimeoutException;
import io.jouroboros.UnknownNameException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns the negative codes of native calls into typed exceptions. The codes
 * and their symbolic names come from native code ({@code errors.c}).
 */
public final class Errors {
    static {
        NativeLibrary.load();
    }

    /** Nothing queued (non-blocking). */
    public static final int EAGAIN = Native.constant("EAGAIN");
    /** A close from another thread woke the call. */
    public static final int EWOKEN = Native.constant("EWOKEN");
    /** The flow is down: the peer is gone. */
    public static final int EFLOWDOWN = Native.constant("EFLOWDOWN");
    /** The SDU does not fit. */
    public static final int EMSGSIZE = Native.constant("EMSGSIZE");
    /** Interrupted by a signal: retry. */
    public static final int EINTR = Native.constant("EINTR");
    /** Timed out. */
    public static final int ETIMEDOUT = Native.constant("ETIMEDOUT");
    /** The IRMd does not answer. */
    public static final int EIRMD = Native.constant("EIRMD");
    /** Not supported. */
    static final int ENOTSUP = Native.constant("ENOTSUP");

    private static final ConcurrentHashMap<Integer, String> NAMES = new ConcurrentHashMap<>();

    private Errors() {
    }

    /** The symbolic name of a (positive) code, such as {@code "ENAME"}. */
    public static String name(int code) {
        return NAMES.computeIfAbsent(code, c -> {
            String n = Native.errorName(c);
            return n != null ? n : "E" + c;
        });
    }

    /**
     * The exception for a negative result {@code ret} of a native call.
     *
     * @param what what was being done, for the message
     */
    public static OuroborosException exception(int ret, String what) {
        int code = -ret;
        String name = name(code);
        String msg = what + ": " + Native.errorText(code) + " (" + name + ")";
        switch (name) {
            case "ETIMEDOUT":
                return new FlowTimeoutException(code, name, msg);
            case "ENAME":
            case "EIPCP":
                return new UnknownNameException(code, name, msg);
            case "EFLOWDOWN":
                return new FlowDownException(code, name, msg);
            case "EFLOWPEER":
                return new PeerTimeoutException(code, name, msg);
            case "EPERM":
            case "EACCES":
                return new FlowPermissionException(code, name, msg);
            case "ENOTALLOC":
                return new NotAllocatedException(code, name, msg);
            case "EMSGSIZE":
                return new MessageTooLargeException(code, name, msg);
            default:
                return new OuroborosException(code, name, msg);
        }
    }
}
