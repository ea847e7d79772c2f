package org.pefttrainer.core.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Buckets against tables worked out by hand from transformers' {@code T5Attention._relative_position_bucket}:
 * with n buckets per direction (n = num_buckets/2 when bidirectional, else num_buckets) and max_exact = n/2, a
 * distance d < max_exact is its own bucket; otherwise the bucket is
 * {@code max_exact + floor(log(d / max_exact) / log(max_distance / max_exact) · (n - max_exact))}, capped at n-1.
 * Solving for d, bucket max_exact + k starts at {@code d = ceil(max_exact · (max_distance/max_exact)^(k/(n-max_exact)))}.
 * Bidirectional: keys after the query (relative position > 0) use buckets n..2n-1. Unidirectional: keys after the
 * query all share bucket 0. (The tables were also confirmed once against transformers 4.33.2.)
 */
class RelativePositionBucketsTest {

    /**
     * Default T5 (32 buckets, max distance 128), bidirectional: n = 16, max_exact = 8, so bucket 8 + k starts at
     * d = ceil(8 · 16^(k/8)) = ceil(8 · 2^(k/2)): k=1: 8·1.414 = 11.3 → 12; k=2: 16; k=3: 22.6 → 23; k=4: 32;
     * k=5: 45.3 → 46; k=6: 64; k=7: 90.5 → 91; k=8 would be 128 but 15 is the cap.
     */
    private static final int[] BIDIRECTIONAL_STARTS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 23, 32, 46, 64, 91};

    /**
     * Unidirectional (decoder): n = 32, max_exact = 16, bucket 16 + k starts at d = ceil(16 · 8^(k/16)):
     * k=1: 16·2^(3/16) = 18.2 → 19; k=2: 16·2^(3/8) = 20.7 → 21; k=4: 16·2^(3/4) = 26.9 → 27; k=8: 16·2^1.5 = 45.3
     * → 46; k=15: 16·2^(45/16) = 112.4 → 113.
     */
    private static final int[] UNIDIRECTIONAL_STARTS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        16, 19, 21, 24, 27, 31, 35, 40, 46, 52, 59, 67, 77, 87, 99, 113};

    /** The bucket of distance d given the first distance of each bucket. */
    private static int fromStarts(int[] starts, int d) {
        int b = 0;
        while (b + 1 < starts.length && d >= starts[b + 1]) {
            b++;
        }
        return b;
    }

    @Test
    void bidirectionalDefaultTable() {
        for (int d = 0; d <= 1000; d++) {
            int expected = fromStarts(BIDIRECTIONAL_STARTS, d);
            // key before the query (relative position -d): first half; key after it (+d): second half
            assertEquals(expected, RelativePositionBuckets.bucket(-d, true, 32, 128), "relative position " + -d);
            if (d > 0) {
                assertEquals(16 + expected, RelativePositionBuckets.bucket(d, true, 32, 128), "relative position " + d);
            }
        }
        // a few spelled out
        assertEquals(0, RelativePositionBuckets.bucket(0, true, 32, 128));
        assertEquals(7, RelativePositionBuckets.bucket(-7, true, 32, 128));
        assertEquals(23, RelativePositionBuckets.bucket(7, true, 32, 128));
        assertEquals(8, RelativePositionBuckets.bucket(-11, true, 32, 128)); // log(11/8)/log(16)·8 = 0.92 → 8
        assertEquals(9, RelativePositionBuckets.bucket(-12, true, 32, 128)); // log(1.5)/log(16)·8 = 1.17 → 9
        assertEquals(14, RelativePositionBuckets.bucket(-64, true, 32, 128)); // exactly 6 in the formula
        assertEquals(30, RelativePositionBuckets.bucket(90, true, 32, 128));
        assertEquals(31, RelativePositionBuckets.bucket(128, true, 32, 128)); // at and beyond max distance
        assertEquals(15, RelativePositionBuckets.bucket(-5000, true, 32, 128));
    }

    @Test
    void unidirectionalDefaultTable() {
        for (int d = 0; d <= 1000; d++) {
            assertEquals(fromStarts(UNIDIRECTIONAL_STARTS, d), RelativePositionBuckets.bucket(-d, false, 32, 128),
                    "relative position " + -d);
            assertEquals(0, RelativePositionBuckets.bucket(d, false, 32, 128), "future position " + d);
        }
        assertEquals(16, RelativePositionBuckets.bucket(-18, false, 32, 128));
        assertEquals(17, RelativePositionBuckets.bucket(-19, false, 32, 128));
        assertEquals(30, RelativePositionBuckets.bucket(-112, false, 32, 128));
        assertEquals(31, RelativePositionBuckets.bucket(-113, false, 32, 128));
        assertEquals(31, RelativePositionBuckets.bucket(-128, false, 32, 128));
    }

    @Test
    void smallConfiguration() {
        // 8 buckets, max distance 20. Bidirectional: n = 4, max_exact = 2, bucket 3 starts at ceil(2·10^(1/2)) = 7.
        int[] bi = {0, 1, 2, 7};
        // Unidirectional: n = 8, max_exact = 4, bucket 4+k starts at ceil(4·5^(k/4)): 6, 9, 14.
        int[] uni = {0, 1, 2, 3, 4, 6, 9, 14};
        for (int d = 0; d <= 40; d++) {
            assertEquals(fromStarts(bi, d), RelativePositionBuckets.bucket(-d, true, 8, 20), "bi " + -d);
            if (d > 0) {
                assertEquals(4 + fromStarts(bi, d), RelativePositionBuckets.bucket(d, true, 8, 20), "bi " + d);
            }
            assertEquals(fromStarts(uni, d), RelativePositionBuckets.bucket(-d, false, 8, 20), "uni " + -d);
        }
    }

    @Test
    void tableIsRowMajorOverQueriesWithOffset() {
        // Decoding with a cache: queries at positions 3 and 4 against keys 0..4, relative position = key - query.
        long[] t = RelativePositionBuckets.table(2, 5, 3, false, 32, 128);
        assertArrayEquals(new long[] {3, 2, 1, 0, 0, 4, 3, 2, 1, 0}, t);
        // Encoder: 3 x 3, bidirectional
        long[] e = RelativePositionBuckets.table(3, 3, 0, true, 32, 128);
        assertArrayEquals(new long[] {0, 17, 18, 1, 0, 17, 2, 1, 0}, e);
    }
}
