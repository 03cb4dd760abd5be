/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code oping}'s reply lines are put together by hand ({@link OPing#fixed3}):
 * the same text as {@code %.3f}, away from exact halves (where the two may
 * round a double's last digit apart).
 */
class OPingFormatTest {
    private static String fixed3(double v) {
        StringBuilder b = new StringBuilder();
        OPing.fixed3(b, v);
        return b.toString();
    }

    @Test
    void threeDecimalsAsPrintf() {
        double[] fixed = {0, 0.001, 0.0104, 0.0996, 0.9996, 1, 9.9999, 12.3456, 99.9994, 100.0001,
            999.9996, 1234567.8912, 1e12 + 0.25};
        for (double v : fixed) {
            assertEquals(String.format(Locale.ROOT, "%.3f", v), fixed3(v), "for " + v);
        }
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            // k thousandths plus an offset a tenth of a thousandth or more from the half
            double v = r.nextLong(0, 100_000_000) / 1000.0 + (r.nextBoolean() ? 1 : 4) / 10_000.0;
            assertEquals(String.format(Locale.ROOT, "%.3f", v), fixed3(v), "for " + v);
        }
    }

    @Test
    void whatItCannotTellGoesToPrintf() {
        for (double v : new double[] {-0.5, -1234.5678, Double.NaN, Double.POSITIVE_INFINITY, 1e16, 1e300}) {
            assertEquals(String.format(Locale.ROOT, "%.3f", v), fixed3(v), "for " + v);
        }
    }
}
