package org.pefttrainer.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Moment checks for initialisers with tolerances of 5 standard errors: for n samples of a distribution with standard
 * deviation σ and kurtosis κ, the sample mean has standard error σ/√n and the sample variance a relative standard
 * error √((κ-1)/n). A check at 5 standard errors fails by chance with probability below 1e-6.
 */
public final class Stats {
    private Stats() {}

    public static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    public static double variance(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return s / (v.length - 1);
    }

    public static void assertMoments(float[] v, double std, double kurtosis, String what) {
        int n = v.length;
        double meanTol = 5 * std / Math.sqrt(n);
        assertEquals(0.0, mean(v), meanTol, what + " mean");
        double varTol = 5 * Math.sqrt((kurtosis - 1) / n) * std * std;
        assertEquals(std * std, variance(v), varTol, what + " variance");
    }

    /** U(-bound, bound): every value inside, the extremes close to the bound, mean 0 and variance bound²/3. */
    public static void assertUniform(float[] v, double bound, String what) {
        double max = 0;
        for (float x : v) {
            assertTrue(Math.abs(x) <= bound, what + ": " + x + " outside ±" + bound);
            max = Math.max(max, Math.abs(x));
        }
        // P(all n below 0.999·bound) = 0.999^n, negligible for n ≥ 50,000.
        assertTrue(max > 0.999 * bound, what + ": max |x| " + max + " far below the bound " + bound);
        assertMoments(v, bound / Math.sqrt(3), 1.8, what);
    }

    /** N(0, std²): moments, plus the share within one std (0.6827; uniform would give 0.577) at 5 standard errors. */
    public static void assertNormal(float[] v, double std, String what) {
        assertMoments(v, std, 3.0, what);
        int within = 0;
        for (float x : v) {
            if (Math.abs(x) <= std) {
                within++;
            }
        }
        double p = 0.682689;
        assertEquals(p, within / (double) v.length, 5 * Math.sqrt(p * (1 - p) / v.length), what + " share within 1σ");
    }
}
