package org.pefttrainer.eval.report.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TickFormatTest {
    @Test
    void decimalsFollowTheSpacing() {
        assertEquals("0.25", TickFormat.format(0.25, 0.05, 0.5));
        assertEquals("0.30", TickFormat.format(0.30000000000000004, 0.05, 0.5));
        assertEquals("2", TickFormat.format(2, 1, 5));
        assertEquals("1.5", TickFormat.format(1.5, 0.5, 3));
        assertEquals("0", TickFormat.format(5.551115123125783e-17, 0.1, 1));
    }

    @Test
    void largeWholeNumbersAreGrouped() {
        assertEquals("12,000", TickFormat.format(12000, 2000, 20000));
    }

    @Test
    void smallNumbersAreScientific() {
        assertEquals("3e-4", TickFormat.format(3e-4, 1e-4, 4e-4));
        assertEquals("3.0e-4", TickFormat.format(3.0000000000000003e-4, 5e-5, 4e-4));
        assertEquals("1.5e-4", TickFormat.format(1.5e-4, 5e-5, 4e-4));
        assertEquals("5e-5", TickFormat.format(5e-5, 5e-5, 4e-4));
        assertEquals("-2e-4", TickFormat.format(-2e-4, 1e-4, 4e-4));
        assertEquals("2e7", TickFormat.format(2e7, 1e7, 3e7));
    }
}
