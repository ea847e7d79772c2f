package org.pefttrainer.core.model.t5;

/**
 * T5's relative-position buckets, transformers' {@code T5Attention._relative_position_bucket} evaluated in the
 * same fp32 arithmetic: half the buckets (bidirectional: per direction) hold exact offsets, the rest grow
 * logarithmically up to {@code maxDistance}, beyond which everything shares the last bucket.
 */
public final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /** The bucket of {@code relativePosition = key position - query position}. */
    public static int bucket(int relativePosition, boolean bidirectional, int numBuckets, int maxDistance) {
        int bucket = 0;
        int n = numBuckets;
        int rel;
        if (bidirectional) {
            n /= 2;
            if (relativePosition > 0) {
                bucket += n;
            }
            rel = Math.abs(relativePosition);
        } else {
            rel = -Math.min(relativePosition, 0);
        }
        int maxExact = n / 2;
        if (rel < maxExact) {
            return bucket + rel;
        }
        // torch: (log(rel.float() / max_exact) / math.log(max_distance / max_exact) * (n - max_exact)).to(long)
        float ratio = (float) rel / (float) maxExact;
        float logRatio = (float) Math.log(ratio);
        float denom = (float) Math.log((double) maxDistance / maxExact);
        float scaled = logRatio / denom * (float) (n - maxExact);
        int large = maxExact + (int) scaled;
        return bucket + Math.min(large, n - 1);
    }

    /** Buckets for query positions {@code [queryOffset, queryOffset+queryLen)} against keys {@code [0, keyLen)}. */
    public static long[] table(int queryLen, int keyLen, int queryOffset, boolean bidirectional, int numBuckets,
            int maxDistance) {
        long[] out = new long[queryLen * keyLen];
        for (int i = 0; i < queryLen; i++) {
            for (int j = 0; j < keyLen; j++) {
                out[i * keyLen + j] = bucket(j - (i + queryOffset), bidirectional, numBuckets, maxDistance);
            }
        }
        return out;
    }
}
