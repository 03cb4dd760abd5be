/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** How a {@link QoSSpec} prints: times in ms, the largest values as "unbounded". */
@Tag("embedded")
class QoSSpecTest {
    private static final Duration UNBOUNDED = Duration.ofMillis(QoSSpec.MAX_MILLIS);

    @Test
    void unboundedTimesAndBandwidthPrintAsUnbounded() {
        QoSSpec raw = new QoSSpec(UNBOUNDED, 0, 0, 1, 1, false, UNBOUNDED, Duration.ofMillis(120_000));
        assertEquals("QoSSpec[delay=unbounded, bandwidth=0, availability=0, loss=1, ber=1, inOrder=false,"
                + " maxGap=unbounded, timeout=120000 ms]", raw.toString());
        assertFalse(raw.toString().contains("PT1193H"), raw.toString());

        QoSSpec video = new QoSSpec(Duration.ofMillis(100), QoSSpec.UNBOUNDED_BANDWIDTH, 3, 1, 0, true,
                Duration.ofMillis(100), Duration.ZERO);
        assertEquals("QoSSpec[delay=100 ms, bandwidth=unbounded, availability=3, loss=1, ber=0, inOrder=true,"
                + " maxGap=100 ms, timeout=none]", video.toString());
    }

    @Test
    void boundedValuesPrintAsNumbers() {
        QoSSpec q = new QoSSpec(Duration.ofMillis(QoSSpec.MAX_MILLIS - 1), Long.MIN_VALUE, 255, 4_294_967_295L,
                7, false, Duration.ZERO, Duration.ofMillis(1));
        assertEquals("QoSSpec[delay=4294967294 ms, bandwidth=9223372036854775808, availability=255,"
                + " loss=4294967295, ber=7, inOrder=false, maxGap=0 ms, timeout=1 ms]", q.toString());
    }

    @Test
    void thePresetsPrintWithoutDurationSyntax() {
        for (QoSSpec q : new QoSSpec[] {QoSSpec.raw(), QoSSpec.rawNoErrors(), QoSSpec.bestEffort(), QoSSpec.video(),
            QoSSpec.voice(), QoSSpec.data()}) {
            assertFalse(q.toString().contains("PT"), q.toString());
        }
    }
}
