/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

/**
 * The one JNI facade. Every method takes int handles and the addresses
 * and lengths of direct memory (never a buffer object) and returns a non-negative result or a negative error code
 * ({@link Errors} turns codes into exceptions). Registered by
 * {@code JNI_OnLoad} in {@code native/}; nothing here is public API.
 *
 * <p>Callers guarantee that a handle is not freed while another thread is
 * inside a call that uses it (see {@code Flow.acquire}).
 */
public final class Native {
    private Native() {
    }

    // jni_onload.c
    /** The native library's version, the Maven project version of its build. */
    static native String version();

    // errors.c
    static native String errorName(int code);

    static native String errorText(int code);

    /** A number of errors.c by its C name (read once, by {@link Consts} and {@link Errors}). */
    static native int constant(String name);

    /** A string of errors.c by its name (read once, by {@link Consts}). */
    static native String textConstant(String name);

    // layer.c
    static native int layerSelect(String layer, String config);

    static native String layerInfo();

    /** The embedded layer's rendezvous directory: in use, or the one the setting (null: default) gives. */
    static native String embeddedDir(String config);

    /** Whether an IRMd answers on the socket (null: the default path); a native seqpacket connect. */
    static native boolean irmdAlive(String socketPath);

    // flow.c
    public static native int flowOpen();

    public static native int flowAllocStart(int h, byte[] name, long[] qos);

    public static native int flowAllocFinish(int h, long timeoutNanos, long[] qosOut);

    public static native int flowJoin(int h, byte[] layer);

    /**
     * Reads into the {@code length} bytes at {@code address}: direct memory
     * the caller keeps alive for the call ({@link Buffers#address}), waiting as
     * the flow says. {@code tried}: the caller's {@link #flowReadNow} has just
     * found nothing, so a wait starts without a try of its own (one that finds
     * nothing costs a system call).
     */
    public static native int flowRead(int h, long address, int length, boolean tried);

    /** Writes the {@code length} bytes at {@code address} as one SDU (as {@link #flowRead}). */
    public static native int flowWrite(int h, long address, int length);

    /**
     * As {@link #flowRead} but never waits, whatever the flow's flags and timeout: -EAGAIN instead.
     * {@code first}: if this finds nothing, the caller reads with {@code flowRead(..., true)} next,
     * whose wait sees the peer's end, so an empty flow is not looked at for it here (a system call);
     * only where that wait is sure to follow (not for a virtual thread's poller).
     */
    public static native int flowReadNow(int h, long address, int length, boolean first);

    /** As {@link #flowWrite} but never waits, whatever the flow's flags and timeout: -EAGAIN instead. */
    public static native int flowWriteNow(int h, long address, int length);

    /** A direct buffer's address (JNI's {@code GetDirectBufferAddress}); 0 if it is not direct. */
    static native long bufferAddress(java.nio.ByteBuffer buffer);

    /**
     * A benchmark hook (native/bench_hook.c), for jmh/'s JniBench only: {@code n}
     * times, writes the {@code length} bytes at {@code address} on flow {@code hw}
     * and reads one SDU back into them from flow {@code hr}, looped in C.
     *
     * @return {@code n}, or the first negative error
     */
    public static native int benchWriteRead(int hw, int hr, long address, int length, int n);

    public static native long flowCntl(int h, int cmd, long arg);

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

    /**
     * The looks an {@code EV_RING} event asks for: each of the first {@code n}
     * handles (at most 256) becomes 1 when a read of its flow would not wait, else 0.
     * Memory only; with {@code drain}, a flow found empty also loses the wake-up
     * that named it (a system call). A handle of no flow reads 1.
     *
     * @return 0, or -EINVAL for a bad count
     */
    public static native int fsetReady(int[] handles, int n, boolean drain);

    public static native void fsetFree(int h);

    // irm.c: the IRM management API (libouroboros-irm, opened on first use).
    // Each returns 0 or a count, or -code; names and paths are UTF-8 bytes.

    /** 0 once libouroboros-irm is loaded, else -ENOENT (absent) or -EVERSION. */
    public static native int irmLoad();

    /** An IRM enum value or bound by its C name, such as {@code "IPCP_LOCAL"}. */
    public static native int irmConstant(String name);

    /** Creates an IPCP; 0, not its pid. */
    public static native int irmCreateIpcp(byte[] name, int type);

    /** Destroys an IPCP, only if pid > 0 and the IRMd lists it (else -EINVAL / -EIPCP). */
    public static native int irmDestroyIpcp(int pid);

    /** out[0] = int[2n] (pid, type), out[1] = byte[n][] names, out[2] = layers; returns n. */
    public static native int irmListIpcps(Object[] out);

    public static native int irmEnrollIpcp(int pid, byte[] dst);

    /**
     * nums/bytes by type: unicast 17 numbers; udp4/6 {port} and ip + dns
     * (network order); eth {ethertype} and the device; none otherwise.
     */
    public static native int irmBootstrapIpcp(int pid, int type, byte[] layer, int hash, long[] nums,
            byte[] bytes);

    /** Connects (qos: long[8]) or disconnects a component of an IPCP to dst. */
    public static native int irmConnectIpcp(int pid, byte[] component, byte[] dst, long[] qos,
            boolean connect);

    /** prog must hold a '/'. */
    public static native int irmBindProgram(byte[] prog, byte[] name, boolean autostart, byte[][] args);

    public static native int irmUnbindProgram(byte[] prog, byte[] name);

    public static native int irmBindProcess(int pid, byte[] name, boolean bind);

    /** paths: null, or 6 entries (server enc, key, crt, client enc, key, crt), each null for the default. */
    public static native int irmCreateName(byte[] name, int loadBalance, byte[][] paths);

    public static native int irmDestroyName(byte[] name);

    /** out[0] = int[n] load-balance policies, out[1] = byte[n][] names; returns n. */
    public static native int irmListNames(Object[] out);

    /** Registers (or unregisters) a name in the IPCP with this pid. */
    public static native int irmRegName(byte[] name, int pid, boolean reg);
}
