package org.pefttrainer.eval.bleu;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU as sacreBLEU computes it by default (BLEU-4, 13a tokenizer, case-sensitive, "exp" smoothing, no
 * effective order): per segment, the hypothesis n-grams (n = 1..4) clipped by the most any one reference holds,
 * the hypothesis length and the reference length closest to it (the shorter on a tie); over the corpus, those
 * statistics summed, the brevity penalty exp(1 - r/c) when c &lt; r, and the geometric mean of the precisions. A
 * corpus score comes from summed {@link SegmentStats}, so resampling segments (bootstrap) needs no re-tokenizing.
 */
public final class Bleu {
    public static final int MAX_ORDER = 4;

    private Bleu() {}

    /** One segment's sufficient statistics: lengths, and matched and total n-grams per order. */
    public record SegmentStats(int sysLen, int refLen, int[] correct, int[] total) {}

    /**
     * @param hypothesis the system output
     * @param references its references; a null entry is a missing reference (variable references per segment)
     */
    public static SegmentStats segment(String hypothesis, List<String> references) {
        Map<String, Integer> refMax = new HashMap<>();
        int[] refLens = new int[references.size()];
        int nRefs = 0;
        for (String ref : references) {
            if (ref == null) {
                continue;
            }
            List<String> tokens = PythonText.split(Tokenizer13a.tokenize(PythonText.rstrip(ref)));
            refLens[nRefs++] = tokens.size();
            for (Map.Entry<String, Integer> e : ngrams(tokens).entrySet()) {
                refMax.merge(e.getKey(), e.getValue(), Math::max);
            }
        }
        List<String> hyp = PythonText.split(Tokenizer13a.tokenize(PythonText.rstrip(hypothesis)));
        int refLen = closest(hyp.size(), refLens, nRefs);
        int[] correct = new int[MAX_ORDER];
        int[] total = new int[MAX_ORDER];
        for (Map.Entry<String, Integer> e : ngrams(hyp).entrySet()) {
            int order = order(e.getKey());
            total[order - 1] += e.getValue();
            Integer r = refMax.get(e.getKey());
            if (r != null) {
                correct[order - 1] += Math.min(e.getValue(), r);
            }
        }
        return new SegmentStats(hyp.size(), refLen, correct, total);
    }

    /** sacreBLEU's closest reference length; -1 with no reference (it then adds -1, as sacreBLEU does). */
    private static int closest(int hypLen, int[] refLens, int n) {
        int bestDiff = -1;
        int best = -1;
        for (int i = 0; i < n; i++) {
            int diff = Math.abs(hypLen - refLens[i]);
            if (bestDiff == -1 || diff < bestDiff) {
                bestDiff = diff;
                best = refLens[i];
            } else if (diff == bestDiff && refLens[i] < best) {
                best = refLens[i];
            }
        }
        return best;
    }

    /** N-grams of orders 1..4 as space-joined keys (tokens never hold spaces), with counts. */
    private static Map<String, Integer> ngrams(List<String> tokens) {
        Map<String, Integer> out = new HashMap<>();
        for (int n = 1; n <= MAX_ORDER; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) {
                out.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
            }
        }
        return out;
    }

    private static int order(String ngram) {
        int n = 1;
        for (int i = 0; i < ngram.length(); i++) {
            if (ngram.charAt(i) == ' ') {
                n++;
            }
        }
        return n;
    }

    /** The corpus score of the segments {@code indices} (a bootstrap resample may repeat them). */
    public static BleuScore corpus(List<SegmentStats> segments, int[] indices) {
        long sys = 0;
        long ref = 0;
        long[] correct = new long[MAX_ORDER];
        long[] total = new long[MAX_ORDER];
        for (int i : indices) {
            SegmentStats s = segments.get(i);
            sys += s.sysLen();
            ref += s.refLen();
            for (int n = 0; n < MAX_ORDER; n++) {
                correct[n] += s.correct()[n];
                total[n] += s.total()[n];
            }
        }
        return fromStats(correct, total, sys, ref);
    }

    public static BleuScore corpus(List<SegmentStats> segments) {
        int[] all = new int[segments.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return corpus(segments, all);
    }

    /** sacreBLEU's compute_bleu with smooth_method "exp", in the same floating-point operations. */
    static BleuScore fromStats(long[] correct, long[] total, long sysLen, long refLen) {
        double bp = 1.0;
        if (sysLen < refLen) {
            bp = sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0;
        }
        double[] precisions = new double[MAX_ORDER];
        boolean anyCorrect = false;
        for (long c : correct) {
            anyCorrect |= c != 0;
        }
        if (!anyCorrect) {
            return new BleuScore(0.0, correct, total, precisions, bp, sysLen, refLen);
        }
        double smooth = 1.0;
        for (int n = 0; n < MAX_ORDER; n++) {
            if (total[n] == 0) {
                break;
            }
            if (correct[n] == 0) {
                smooth *= 2;
                precisions[n] = 100.0 / (smooth * total[n]);
            } else {
                precisions[n] = 100.0 * correct[n] / total[n];
            }
        }
        double logSum = 0.0;
        for (double p : precisions) {
            logSum += p == 0.0 ? -9999999999.0 : Math.log(p); // sacreBLEU's my_log floors log(0)
        }
        double score = bp * Math.exp(logSum / MAX_ORDER);
        return new BleuScore(score, correct, total, precisions, bp, sysLen, refLen);
    }
}
