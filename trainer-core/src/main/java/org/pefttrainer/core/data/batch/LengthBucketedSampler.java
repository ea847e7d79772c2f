package org.pefttrainer.core.data.batch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Training batches of similar lengths, so little of each batch is padding, in a random but reproducible order.
 * Each epoch: shuffle all examples with a seed derived from (seed, epoch); cut the shuffled list into chunks of
 * {@code chunkBatches × batchSize}; sort each chunk by (source length, target length) after truncation; cut the
 * chunks into batches; shuffle the batch order. Only the last batch of the epoch can be short (or is dropped).
 * Randomness comes from {@link java.util.Random}, whose algorithm the Java spec fixes, so orders are the same on
 * every JVM.
 */
public final class LengthBucketedSampler implements BatchSampler {
    /** Chunk size in batches: large enough to find similar lengths, small enough to keep the order random. */
    public static final int DEFAULT_CHUNK_BATCHES = 50;

    private final int[] sourceLengths;
    private final int[] targetLengths;
    private final int batchSize;
    private final long seed;
    private final int chunkBatches;
    private final boolean dropLast;

    /**
     * @param sourceLengths per-example source length (as truncated), the primary sort key
     * @param targetLengths per-example target length (as truncated), the secondary key
     */
    public LengthBucketedSampler(int[] sourceLengths, int[] targetLengths, int batchSize, long seed,
            int chunkBatches, boolean dropLast) {
        if (sourceLengths.length != targetLengths.length) {
            throw new IllegalArgumentException("source and target length arrays differ in size");
        }
        if (batchSize < 1 || chunkBatches < 1) {
            throw new IllegalArgumentException("batch size and chunk size must be >= 1");
        }
        this.sourceLengths = sourceLengths.clone();
        this.targetLengths = targetLengths.clone();
        this.batchSize = batchSize;
        this.seed = seed;
        this.chunkBatches = chunkBatches;
        this.dropLast = dropLast;
    }

    /** A sampler over tokenised examples with the collator's truncation, default chunk size, last batch kept. */
    public static LengthBucketedSampler of(List<TokenizedExample> examples, Collator collator, int batchSize,
            long seed) {
        int[] src = new int[examples.size()];
        int[] tgt = new int[examples.size()];
        for (int i = 0; i < src.length; i++) {
            src[i] = Math.min(examples.get(i).sourceIds().length, collator.maxSourceLength());
            tgt[i] = Math.min(examples.get(i).targetIds().length, collator.maxTargetLength());
        }
        return new LengthBucketedSampler(src, tgt, batchSize, seed, DEFAULT_CHUNK_BATCHES, false);
    }

    @Override
    public List<int[]> epoch(int epoch) {
        int n = sourceLengths.length;
        Random rnd = new Random(mix(seed, epoch));
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        shuffle(order, rnd);
        Comparator<Integer> byLength = Comparator.<Integer>comparingInt(i -> sourceLengths[i])
                .thenComparingInt(i -> targetLengths[i]);
        int chunk = chunkBatches * batchSize;
        for (int from = 0; from < n; from += chunk) {
            Arrays.sort(order, from, Math.min(n, from + chunk), byLength);  // stable: ties keep the shuffle
        }
        List<int[]> cut = new ArrayList<>(n / batchSize + 1);
        for (int from = 0; from < n; from += batchSize) {
            int len = Math.min(batchSize, n - from);
            if (len < batchSize && dropLast) {
                break;
            }
            int[] b = new int[len];
            for (int i = 0; i < len; i++) {
                b[i] = order[from + i];
            }
            cut.add(b);
        }
        int[][] batches = cut.toArray(new int[0][]);
        shuffle(batches, rnd);
        return List.of(batches);
    }

    @Override
    public int batchesPerEpoch() {
        int n = sourceLengths.length;
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    private static <T> void shuffle(T[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            T t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** SplitMix64 finaliser of (seed, epoch), so neighbouring epochs get unrelated Random streams. */
    static long mix(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
