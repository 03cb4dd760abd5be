/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

/**
 * The one JNI facade. Every method takes int handles and direct buffers
 * with position and length and returns a non-negative result or a negative error code
 * ({@link Errors} turns codes into exceptions). Registered by
 * {@code JNI_OnLoad} in {@code native/}; nothing here is public API.
 *
 * <p>Callers guarantee that a handle is not freed while another thread is
 * inside a call that uses it (see {@code Flow.acquire}).
 */
public final class Native {
    private Native() {
    }

    // errors.c
    static native String errorName(int code);

    static native String errorText(int code);

    public static native int constant(String name);

    // layer.c
    static native int layerSelect(String layer, String config);

    static native String layerInfo();

    /** Whether an IRMd answers on the socket (null: the default path); a native seqpacket connect. */
    static native boolean irmdAlive(String socketPath);

    // flow.c
    public static native int flowOpen();

    public static native int flowAllocStart(int h, byte[] name, long[] qos);

    public static native int flowAllocFinish(int h, long timeoutNanos, long[] qosOut);

    public static native int flowJoin(int h, byte[] layer);

    /** Reads into bytes [position, position + length) of a direct buffer. */
    public static native int flowRead(int h, java.nio.ByteBuffer direct, int position, int length);

    /** Writes bytes [position, position + length) of a direct buffer as one SDU. */
    public static native int flowWrite(int h, java.nio.ByteBuffer direct, int position, int length);

    public static native long flowCntl(int h, int cmd, long arg);

    public static native int flowQos(int h, long[] out);

    public static native void flowWake(int h);

    public static native void flowFree(int h);

    public static native int maxSdu();

    // server.c
    public static native int serverOpen();

    public static native int serverBind(int h, byte[] name);

    public static native int serverAccept(int h, long timeoutNanos, long[] qosOut);

    public static native void serverWake(int h);

    public static native void serverFree(int h);

    public static native int procBind(byte[] name, boolean bind);

    // fset.c
    public static native int fsetOpen();

    /** op: 0 add, 1 modify, 2 delete. */
    public static native int fsetCtl(int h, int op, int member, boolean isServer, long tag, int interest);

    public static native int fsetWait(int h, long timeoutNanos, long[] tags, int[] events);

    /** Sets ({@code set}) or drains the wake-up of a wait on the set. */
    public static native void fsetWake(int h, boolean set);

    public static native void fsetFree(int h);
}
