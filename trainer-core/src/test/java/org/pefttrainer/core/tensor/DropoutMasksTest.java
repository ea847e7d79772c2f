package org.pefttrainer.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.model.ForwardContext;

/** The Java-drawn dropout masks: keep rate, independence of draws, determinism per (seed, call), and the dropout op. */
class DropoutMasksTest {

    private static boolean[] bits(NDArray mask) {
        byte[] b = mask.toType(DataType.UINT8, false).toByteArray();
        boolean[] out = new boolean[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] != 0;
        }
        return out;
    }

    @Test
    void keepRateMatchesWithinFiveStandardErrors() {
        try (NDManager m = NDManager.newBaseManager()) {
            int n = 3_000_000; // spans three 1M chunks, so chunk seeding is covered
            for (double keep : new double[] {0.9, 0.5, 0.05}) {
                boolean[] b = bits(new DropoutMasks(7).keepMask(m, new Shape(n), keep));
                long kept = 0;
                for (boolean x : b) {
                    kept += x ? 1 : 0;
                }
                double se = Math.sqrt(keep * (1 - keep) / n);
                assertEquals(keep, (double) kept / n, 5 * se, "keep=" + keep);
            }
        }
    }

    @Test
    void neighbouringElementsAreUncorrelated() {
        try (NDManager m = NDManager.newBaseManager()) {
            int n = 2_000_000;
            boolean[] b = bits(new DropoutMasks(3).keepMask(m, new Shape(n), 0.5));
            // P(b[i] == b[i+1]) is 1/2 for independent fair bits; each long feeds two neighbours, so check them.
            long same = 0;
            for (int i = 0; i + 1 < n; i++) {
                same += b[i] == b[i + 1] ? 1 : 0;
            }
            assertEquals(0.5, (double) same / (n - 1), 5 * Math.sqrt(0.25 / n));
        }
    }

    @Test
    void sameSeedAndCallGiveTheSameMaskAndCallsDiffer() {
        try (NDManager m = NDManager.newBaseManager()) {
            DropoutMasks a = new DropoutMasks(11);
            DropoutMasks b = new DropoutMasks(11);
            boolean[] a1 = bits(a.keepMask(m, new Shape(4, 1000), 0.9));
            boolean[] a2 = bits(a.keepMask(m, new Shape(4, 1000), 0.9));
            boolean[] b1 = bits(b.keepMask(m, new Shape(4, 1000), 0.9));
            assertArrayEquals(a1, b1, "a new generator with the same seed replays the same first mask");
            assertFalse(Arrays.equals(a1, a2), "the second call draws a different mask");
            assertFalse(Arrays.equals(a1, bits(new DropoutMasks(12).keepMask(m, new Shape(4, 1000), 0.9))));
        }
    }

    @Test
    void dropoutZeroesDroppedElementsAndRescalesKeptOnes() {
        try (NDManager m = NDManager.newBaseManager()) {
            double p = 0.25;
            NDArray x = m.arange(1f, 20001f).reshape(4, 5000);
            ForwardContext ctx = new ForwardContext(m, true, null, null).withDropoutSeed(5);
            float[] y = ctx.dropout(x, p).toFloatArray();
            float[] in = x.toFloatArray();
            int dropped = 0;
            for (int i = 0; i < y.length; i++) {
                if (y[i] == 0f) {
                    dropped++;
                } else {
                    assertEquals(in[i] / (1 - p), y[i], 1e-6 * y[i]);
                }
            }
            assertEquals(p, (double) dropped / y.length, 5 * Math.sqrt(p * (1 - p) / y.length));
            NDArray same = new ForwardContext(m, false, null, null).withDropoutSeed(5).dropout(x, p);
            assertTrue(same == x, "eval mode is the identity");
        }
    }
}
