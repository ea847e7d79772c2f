package org.pefttrainer.core.data.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int N = 1000;
    private static final int[] SRC = new int[N];
    private static final int[] TGT = new int[N];

    static {
        Random r = new Random(7);
        for (int i = 0; i < N; i++) {
            SRC[i] = 1 + r.nextInt(512);
            TGT[i] = 1 + r.nextInt(64);
        }
    }

    private static LengthBucketedSampler sampler(boolean dropLast) {
        return new LengthBucketedSampler(SRC, TGT, 16, 42, 50, dropLast);
    }

    @Test
    void everyExampleOncePerEpochOnlyLastBatchShort() {
        List<int[]> epoch = sampler(false).epoch(0);
        assertEquals(63, epoch.size());  // ceil(1000 / 16)
        assertEquals(63, sampler(false).batchesPerEpoch());
        int[] seen = new int[N];
        int shortBatches = 0;
        for (int[] b : epoch) {
            for (int i : b) {
                seen[i]++;
            }
            if (b.length != 16) {
                assertEquals(1000 % 16, b.length);
                shortBatches++;
            }
        }
        assertEquals(1, shortBatches);
        assertTrue(Arrays.stream(seen).allMatch(c -> c == 1));

        List<int[]> dropped = sampler(true).epoch(0);
        assertEquals(62, dropped.size());
        assertTrue(dropped.stream().allMatch(b -> b.length == 16));
    }

    @Test
    void orderIsAFunctionOfSeedAndEpochSoResumeIsExact() {
        List<int[]> a = sampler(false).epoch(3);
        List<int[]> b = sampler(false).epoch(3);  // a fresh sampler, as after a restart
        assertEquals(a.size(), b.size());
        for (int k = 0; k < a.size(); k++) {
            assertArrayEquals(a.get(k), b.get(k));
        }
        assertFalse(Arrays.equals(a.get(0), sampler(false).epoch(4).get(0)));
        LengthBucketedSampler otherSeed = new LengthBucketedSampler(SRC, TGT, 16, 43, 50, false);
        assertFalse(Arrays.equals(a.get(0), otherSeed.epoch(3).get(0)));
    }

    @Test
    void bucketingCutsPaddingFarBelowRandomBatches() {
        long bucketed = padding(sampler(false).epoch(0));
        long random = padding(new LengthBucketedSampler(SRC, TGT, 16, 42, 1, false).epoch(0)) ;  // chunk = 1 batch
        // 50-batch chunks of lengths uniform in 1..512 leave ~1/50 of the spread per batch
        assertTrue(bucketed * 10 < random, "bucketed padding " + bucketed + " vs random " + random);
    }

    @Test
    void batchOrderIsShuffledNotSortedByLength() {
        List<int[]> epoch = sampler(false).epoch(0);
        int[] maxLen = epoch.stream().mapToInt(b -> Arrays.stream(b).map(i -> SRC[i]).max().orElse(0)).toArray();
        int[] sorted = maxLen.clone();
        Arrays.sort(sorted);
        assertFalse(Arrays.equals(sorted, maxLen));
    }

    @Test
    void sequentialKeepsDatasetOrder() {
        SequentialSampler s = new SequentialSampler(10, 4);
        List<int[]> e = s.epoch(5);
        assertEquals(3, s.batchesPerEpoch());
        assertArrayEquals(new int[] {0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new int[] {4, 5, 6, 7}, e.get(1));
        assertArrayEquals(new int[] {8, 9}, e.get(2));
        assertEquals(0, new SequentialSampler(0, 4).epoch(0).size());
    }

    private static long padding(List<int[]> batches) {
        long pad = 0;
        for (int[] b : batches) {
            int max = Arrays.stream(b).map(i -> SRC[i]).max().orElse(0);
            for (int i : b) {
                pad += max - SRC[i];
            }
        }
        return pad;
    }
}
