package org.pefttrainer.eval.report.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class NiceTicksTest {
    private static void assertTicks(List<Double> expected, NiceTicks actual) {
        assertEquals(expected.size(), actual.values().size(), actual.values().toString());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.values().get(i), 1e-12 * Math.max(1, Math.abs(expected.get(i))));
        }
    }

    @Test
    void lossRange() {
        // range 3.5 -> nice 5; 5/4 = 1.25 rounds to 1
        NiceTicks t = NiceTicks.of(1.2, 4.7, 5);
        assertEquals(1.0, t.spacing());
        assertTicks(List.of(1.0, 2.0, 3.0, 4.0, 5.0), t);
    }

    @Test
    void learningRateRange() {
        // range 3.1e-4 -> nice 5e-4; 1.25e-4 rounds to 1e-4; 3.1e-4 needs a tick at 4e-4
        NiceTicks t = NiceTicks.of(0, 3.1e-4, 5);
        assertEquals(1e-4, t.spacing(), 1e-20);
        assertTicks(List.of(0.0, 1e-4, 2e-4, 3e-4, 4e-4), t);
    }

    @Test
    void rougeRange() {
        // range 0.14 -> nice 0.2; 0.05 rounds to 0.05; ticks from 0.30 to 0.45
        NiceTicks t = NiceTicks.of(0.31, 0.45, 5);
        assertEquals(0.05, t.spacing(), 1e-15);
        assertTicks(List.of(0.30, 0.35, 0.40, 0.45), t);
    }

    @Test
    void boundsOnATickStayThere() {
        // 0.3 / 0.1 is 2.9999999999999996 in floating point: still the tick 3, not 4
        assertTicks(List.of(0.0, 0.1, 0.2, 0.3), NiceTicks.withSpacing(0, 0.3, 0.1));
        // range 20 -> nice 20; 20/3 = 6.7 rounds to 5
        assertTicks(List.of(-20.0, -15.0, -10.0, -5.0, 0.0, 5.0), NiceTicks.of(-17, 3, 4));
    }

    @Test
    void emptyRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> NiceTicks.of(1, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> NiceTicks.of(0, Double.NaN, 5));
    }
}
