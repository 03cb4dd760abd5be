/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.NativeLibrary;
import java.time.Duration;
import java.util.Objects;

/**
 * A QoS specification for flow allocation: Ouroboros's {@code qosspec_t}.
 * Immutable; build one with {@link #builder()} or start from a preset of
 * Ouroboros's {@code qos.h}: {@link #raw()}, {@link #rawNoErrors()},
 * {@link #bestEffort()}, {@link #video()}, {@link #voice()}, {@link #data()}.
 *
 * <p>Times are whole milliseconds from 0 to {@link #MAX_MILLIS} (the C
 * field is a {@code uint32_t} of ms; the largest value means "no bound");
 * finer durations are truncated to the millisecond so that what is asked is
 * exactly what is carried. {@code bandwidth} is an unsigned 64-bit number of
 * bits per second ({@link #UNBOUNDED_BANDWIDTH}, that is {@code -1L}, is
 * 2<sup>64</sup>-1).
 *
 * @param delay        largest delay
 * @param bandwidth    bits per second, unsigned
 * @param availability class of nines, 0 to 255
 * @param loss         packet loss, 0 to 2<sup>32</sup>-1
 * @param ber          bit errors per billion bits, 0 to 2<sup>32</sup>-1
 * @param inOrder      in-order delivery (enables FRCT)
 * @param maxGap       largest interruption
 * @param timeout      peer timeout: the flow is declared down after this
 *                     silence; {@link Duration#ZERO} = none
 */
public record QoSSpec(Duration delay, long bandwidth, int availability, long loss, long ber,
        boolean inOrder, Duration maxGap, Duration timeout) {

    /** The largest time a QoS field holds, in ms (2<sup>32</sup>-1). */
    public static final long MAX_MILLIS = 0xFFFF_FFFFL;
    /** Bandwidth 2<sup>64</sup>-1 bits/s, as Ouroboros's {@code UINT64_MAX}. */
    public static final long UNBOUNDED_BANDWIDTH = -1L;
    /**
     * The peer timeout of the presets, Ouroboros's default, from the native
     * library; {@code null} if the native library is unavailable
     * ({@link Ouroboros#isAvailable()}), and then the presets throw.
     */
    public static final Duration DEFAULT_PEER_TIMEOUT = Consts.DEFAULT_PEER_TIMEOUT_MS < 0 ? null
            : Duration.ofMillis(Consts.DEFAULT_PEER_TIMEOUT_MS);

    private static final Duration UNBOUNDED = Duration.ofMillis(MAX_MILLIS);

    /**
     * Checks ranges and truncates times to whole milliseconds.
     *
     * @param delay        largest delay
     * @param bandwidth    bits per second, unsigned
     * @param availability class of nines, 0 to 255
     * @param loss         packet loss, 0 to 2<sup>32</sup>-1
     * @param ber          bit errors per billion bits, 0 to 2<sup>32</sup>-1
     * @param inOrder      in-order delivery (enables FRCT)
     * @param maxGap       largest interruption
     * @param timeout      peer timeout; {@link Duration#ZERO} = none
     * @throws IllegalArgumentException if a field is out of range
     * @throws NullPointerException if a duration is null
     */
    public QoSSpec {
        delay = millis("delay", delay);
        maxGap = millis("maxGap", maxGap);
        timeout = millis("timeout", timeout);
        if (availability < 0 || availability > 255) {
            throw new IllegalArgumentException("availability must be 0..255: " + availability);
        }
        u32("loss", loss);
        u32("ber", ber);
    }

    private static Duration millis(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.compareTo(UNBOUNDED) > 0) {
            throw new IllegalArgumentException(what + " must be 0.." + MAX_MILLIS + " ms: " + d);
        }
        return Duration.ofMillis(d.toMillis());
    }

    private static void u32(String what, long v) {
        if (v < 0 || v > MAX_MILLIS) {
            throw new IllegalArgumentException(what + " must be 0..4294967295: " + v);
        }
    }

    /** The peer timeout of a preset; the presets throw without the native library. */
    private static Duration peerTimeout(String preset) {
        if (DEFAULT_PEER_TIMEOUT == null) {
            throw NativeLibrary.unsupported("QoSSpec." + preset + "()");
        }
        return DEFAULT_PEER_TIMEOUT;
    }

    /**
     * {@code qos_raw}: no guarantees, errors allowed.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec raw() {
        return new QoSSpec(UNBOUNDED, 0, 0, 1, 1, false, UNBOUNDED, peerTimeout("raw"));
    }

    /**
     * {@code qos_raw_no_errors}: as raw, without bit errors.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec rawNoErrors() {
        return new QoSSpec(UNBOUNDED, 0, 0, 1, 0, false, UNBOUNDED, peerTimeout("rawNoErrors"));
    }

    /**
     * {@code qos_best_effort}: in order, no bit errors.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec bestEffort() {
        return new QoSSpec(UNBOUNDED, 0, 0, 1, 0, true, UNBOUNDED, peerTimeout("bestEffort"));
    }

    /**
     * {@code qos_video}: 100 ms delay and gap, 3 nines.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec video() {
        return new QoSSpec(Duration.ofMillis(100), UNBOUNDED_BANDWIDTH, 3, 1, 0, true,
                Duration.ofMillis(100), peerTimeout("video"));
    }

    /**
     * {@code qos_voice}: 50 ms delay and gap, 100 kbit/s, 5 nines.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec voice() {
        return new QoSSpec(Duration.ofMillis(50), 100_000, 5, 1, 0, true, Duration.ofMillis(50),
                peerTimeout("voice"));
    }

    /**
     * {@code qos_data}: no loss, in order, 1 s delay, 2 s gap.
     *
     * @return the preset
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static QoSSpec data() {
        return new QoSSpec(Duration.ofMillis(1000), 0, 0, 0, 0, true, Duration.ofMillis(2000),
                peerTimeout("data"));
    }

    /**
     * A builder starting from {@link #raw()}.
     *
     * @return a new builder
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public static Builder builder() {
        return new Builder(raw());
    }

    /**
     * A builder starting from this spec.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The fields by name, as a record prints them, with times in
     * milliseconds and the largest values as {@code unbounded}: e.g.
     * {@code QoSSpec[delay=unbounded, bandwidth=0, availability=0, loss=1,
     * ber=1, inOrder=false, maxGap=unbounded, timeout=120000 ms]}. A
     * {@code timeout} of zero is {@code none}; {@code bandwidth} is unsigned.
     *
     * @return the spec as text
     */
    @Override
    public String toString() {
        return "QoSSpec[delay=" + time(delay) + ", bandwidth="
                + (bandwidth == UNBOUNDED_BANDWIDTH ? "unbounded" : Long.toUnsignedString(bandwidth))
                + ", availability=" + availability + ", loss=" + loss + ", ber=" + ber + ", inOrder=" + inOrder
                + ", maxGap=" + time(maxGap) + ", timeout="
                + (timeout.isZero() ? "none" : time(timeout)) + "]";
    }

    private static String time(Duration d) {
        return d.toMillis() == MAX_MILLIS ? "unbounded" : d.toMillis() + " ms";
    }

    /** The wire form shared with native code: eight longs in field order. */
    long[] toArray() {
        return new long[] {delay.toMillis(), bandwidth, availability, loss, ber, inOrder ? 1 : 0,
            maxGap.toMillis(), timeout.toMillis()};
    }

    static QoSSpec fromArray(long[] a) {
        return new QoSSpec(Duration.ofMillis(a[0]), a[1], (int) a[2], a[3], a[4], a[5] != 0,
                Duration.ofMillis(a[6]), Duration.ofMillis(a[7]));
    }

    /** Builds a {@link QoSSpec}; each setter is checked when {@link #build()} runs. */
    public static final class Builder {
        private Duration delay;
        private long bandwidth;
        private int availability;
        private long loss;
        private long ber;
        private boolean inOrder;
        private Duration maxGap;
        private Duration timeout;

        private Builder(QoSSpec q) {
            delay = q.delay;
            bandwidth = q.bandwidth;
            availability = q.availability;
            loss = q.loss;
            ber = q.ber;
            inOrder = q.inOrder;
            maxGap = q.maxGap;
            timeout = q.timeout;
        }

        /**
         * Sets the largest delay.
         *
         * @param v largest delay
         * @return this
         */
        public Builder delay(Duration v) {
            delay = v;
            return this;
        }

        /**
         * Sets the bandwidth.
         *
         * @param v bits per second, unsigned
         * @return this
         */
        public Builder bandwidth(long v) {
            bandwidth = v;
            return this;
        }

        /**
         * Sets the availability.
         *
         * @param v class of nines, 0..255
         * @return this
         */
        public Builder availability(int v) {
            availability = v;
            return this;
        }

        /**
         * Sets the packet loss.
         *
         * @param v packet loss
         * @return this
         */
        public Builder loss(long v) {
            loss = v;
            return this;
        }

        /**
         * Sets the bit error rate.
         *
         * @param v bit errors per billion bits
         * @return this
         */
        public Builder ber(long v) {
            ber = v;
            return this;
        }

        /**
         * Sets in-order delivery.
         *
         * @param v in-order delivery
         * @return this
         */
        public Builder inOrder(boolean v) {
            inOrder = v;
            return this;
        }

        /**
         * Sets the largest interruption.
         *
         * @param v largest interruption
         * @return this
         */
        public Builder maxGap(Duration v) {
            maxGap = v;
            return this;
        }

        /**
         * Sets the peer timeout.
         *
         * @param v peer timeout, {@link Duration#ZERO} = none
         * @return this
         */
        public Builder timeout(Duration v) {
            timeout = v;
            return this;
        }

        /**
         * Builds the spec.
         *
         * @return the spec
         * @throws IllegalArgumentException if a field is out of range
         */
        public QoSSpec build() {
            return new QoSSpec(delay, bandwidth, availability, loss, ber, inOrder, maxGap, timeout);
        }
    }
}
