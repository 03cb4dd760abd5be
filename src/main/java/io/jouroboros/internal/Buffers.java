/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The address of a direct buffer's memory, handed to native code as a
 * {@code long} (as the JDK's {@code IOUtil} and Netty do), so a read or a
 * write passes no buffer object and native code never asks the JVM where
 * a buffer lives. The address is read from {@code Buffer.address} through
 * {@code sun.misc.Unsafe} (module {@code jdk.unsupported}, which opens it;
 * the field offset is looked up once), checked once against JNI's
 * {@code GetDirectBufferAddress}; where that cannot be done, each call asks
 * JNI instead, which allocates nothing either.
 */
public final class Buffers {
    private static final MethodHandle GET_LONG;
    private static final long ADDRESS;

    static {
        MethodHandle get = null;
        long off = -1;
        try {
            if (Runtime.version().feature() >= 24) {
                // JDK 24 and later warn on stderr at the first use of Unsafe's memory
                // access (JEP 498): JNI for each address there.
                throw new UnsupportedOperationException("JDK " + Runtime.version().feature());
            }
            Class<?> u = Class.forName("sun.misc.Unsafe");
            // A named module reads only what it requires: read jdk.unsupported for the look-up.
            Buffers.class.getModule().addReads(u.getModule());
            Field f = u.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            off = (long) u.getMethod("objectFieldOffset", Field.class)
                    .invoke(unsafe, Buffer.class.getDeclaredField("address"));
            get = MethodHandles.publicLookup()
                    .findVirtual(u, "getLong", MethodType.methodType(long.class, Object.class, long.class))
                    .bindTo(unsafe)
                    .asType(MethodType.methodType(long.class, ByteBuffer.class, long.class));
            ByteBuffer probe = ByteBuffer.allocateDirect(1);
            if ((long) get.invokeExact(probe, off) != Native.bufferAddress(probe)) {
                get = null;
            }
        } catch (Throwable t) {
            // No Unsafe, or not as expected: JNI for each address.
            get = null;
        }
        GET_LONG = get;
        ADDRESS = off;
    }

    private Buffers() {
    }

    /**
     * Initializes this class now, if it was not yet: its look-up (reflection
     * and method handles, with what the JVM builds for them the first time)
     * takes about 17 ms in a fresh JVM on a 2-vCPU VM, which belongs to a
     * layer's start ({@link LayerRuntime#ensure()}), not to the first read or
     * write of a flow. The call itself runs the static initializer; one
     * {@link #address} links its method handle's call site too.
     */
    public static void init() {
        address(ByteBuffer.allocateDirect(1));
    }

    /**
     * The address of a direct buffer's first byte (index 0, not its position).
     *
     * @param direct a direct buffer, kept reachable by the caller while the address is used
     * @return the address
     */
    public static long address(ByteBuffer direct) {
        MethodHandle get = GET_LONG;
        if (get != null) {
            try {
                return (long) get.invokeExact(direct, ADDRESS);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
        return Native.bufferAddress(direct);
    }

    /** @return whether addresses are read in Java (not asked of JNI each time); for the benchmarks */
    public static boolean inJava() {
        return GET_LONG != null;
    }
}
