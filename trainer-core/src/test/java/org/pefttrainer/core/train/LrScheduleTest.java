package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Learning rates by hand from transformers' get_{constant,linear,cosine}_schedule_with_warmup (the rate used for
 * update k, 0-based, is base·λ(k)), with the end value moved from 0 to final_lr: lr = final + (base - final)·shape.
 */
class LrScheduleTest {
    private static final double TOL = 1e-15;

    @Test
    void constantWithWarmup() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-3, 0, 4, 20);
        // warmup: k / 4 of the base rate
        assertEquals(0.0, s.lr(0), TOL);
        assertEquals(2.5e-4, s.lr(1), TOL);
        assertEquals(5e-4, s.lr(2), TOL);
        assertEquals(7.5e-4, s.lr(3), TOL);
        assertEquals(1e-3, s.lr(4), TOL);
        assertEquals(1e-3, s.lr(19), TOL);
        assertEquals(1e-3, new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-3, 0, 0, 20).lr(0), TOL);
    }

    @Test
    void linearWithWarmup() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.LINEAR, 1e-3, 0, 2, 10);
        // after warmup λ(k) = (10 - k) / (10 - 2)
        assertEquals(0.0, s.lr(0), TOL);
        assertEquals(5e-4, s.lr(1), TOL);
        assertEquals(1e-3, s.lr(2), TOL);
        assertEquals(8.75e-4, s.lr(3), TOL); // 7/8
        assertEquals(5e-4, s.lr(6), TOL); // 4/8
        assertEquals(1.25e-4, s.lr(9), TOL); // 1/8
        assertEquals(0.0, s.lr(10), TOL);
        assertEquals(0.0, s.lr(15), TOL); // never negative past the end
        LrSchedule f = new LrSchedule(LrSchedule.Kind.LINEAR, 1e-3, 1e-4, 2, 10);
        assertEquals(1e-3, f.lr(2), TOL);
        assertEquals(1e-4 + 9e-4 * 0.5, f.lr(6), TOL);
        assertEquals(1e-4, f.lr(10), TOL);
        assertEquals(1e-4, f.lr(12), TOL);
    }

    @Test
    void cosineWithWarmup() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 2e-3, 0, 2, 10);
        // after warmup λ(k) = ½(1 + cos(π·(k-2)/8))
        assertEquals(1e-3, s.lr(1), TOL);
        assertEquals(2e-3, s.lr(2), TOL);
        assertEquals(2e-3 * 0.8535533905932737, s.lr(4), 1e-15); // ½(1 + √½)
        assertEquals(1e-3, s.lr(6), 1e-15); // ½
        assertEquals(2e-3 * 0.14644660940672627, s.lr(8), 1e-15); // ½(1 - √½)
        assertEquals(0.0, s.lr(10), 1e-18);
        assertEquals(0.0, s.lr(11), 1e-18);
        LrSchedule f = new LrSchedule(LrSchedule.Kind.COSINE, 2e-3, 2e-4, 0, 8);
        assertEquals(2e-3, f.lr(0), TOL);
        assertEquals(2e-4 + 1.8e-3 * 0.5, f.lr(4), 1e-15);
        assertEquals(2e-4, f.lr(8), 1e-15);
    }

    @Test
    void kindNames() {
        assertEquals(LrSchedule.Kind.COSINE, LrSchedule.Kind.parse(" cosine "));
        assertEquals(LrSchedule.Kind.LINEAR, LrSchedule.Kind.parse("LINEAR"));
    }
}
