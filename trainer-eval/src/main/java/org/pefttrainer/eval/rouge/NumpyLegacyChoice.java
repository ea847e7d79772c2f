package org.pefttrainer.eval.rouge;

import org.apache.commons.math3.random.MersenneTwister;

/**
 * Draws indices as numpy's legacy {@code np.random.seed(seed); np.random.choice(np.arange(n), size=n)} does, so
 * that our bootstrap resamples are rouge_score's: MT19937 seeded with {@code init_genrand(seed)} (Commons Math's
 * {@code MersenneTwister(int)}), and each index from 32-bit outputs masked to the smallest all-ones mask covering
 * {@code n - 1}, rejected while above {@code n - 1} (numpy's {@code randint} in its legacy "masked" mode).
 */
public final class NumpyLegacyChoice {
    private final MersenneTwister twister;

    /** @param seed numpy's seed; Commons Math sign-extends negative ints, which numpy never sees, so 0..2^31-1 */
    public NumpyLegacyChoice(int seed) {
        if (seed < 0) {
            throw new IllegalArgumentException("seed must be in 0.." + Integer.MAX_VALUE + ": " + seed);
        }
        this.twister = new MersenneTwister(seed);
    }

    /** Fills {@code out} with indices in [0, n), uniformly, with replacement. */
    public void draw(int n, int[] out) {
        if (n < 1) {
            throw new IllegalArgumentException("population must be positive: " + n);
        }
        long max = n - 1L;
        if (max == 0) {
            java.util.Arrays.fill(out, 0); // numpy draws nothing for a range of one value
            return;
        }
        long mask = max;
        mask |= mask >>> 1;
        mask |= mask >>> 2;
        mask |= mask >>> 4;
        mask |= mask >>> 8;
        mask |= mask >>> 16;
        for (int i = 0; i < out.length; i++) {
            long v;
            do {
                v = (twister.nextInt() & 0xFFFFFFFFL) & mask;
            } while (v > max);
            out[i] = (int) v;
        }
    }
}
