package org.pefttrainer.eval.rouge;

/**
 * rougeLsum as rouge_score's {@code _summary_level_lcs} (ROUGE paper section 3.2, ROUGE-1.5.5's counting): for
 * each target sentence, the union of its LCS positions with every prediction sentence; each token in those unions
 * is a hit while both sides still have an unused occurrence of it, so no token counts twice.
 */
final class SummaryLevelLcs {
    private SummaryLevelLcs() {}

    static Score score(int[][] targetSentences, int[][] predictionSentences, int vocabularySize) {
        if (targetSentences.length == 0 || predictionSentences.length == 0) {
            return Score.ZERO;
        }
        int targetTokens = 0;
        int predictionTokens = 0;
        int[] unusedInTarget = new int[vocabularySize];
        int[] unusedInPrediction = new int[vocabularySize];
        for (int[] s : targetSentences) {
            targetTokens += s.length;
            for (int t : s) {
                unusedInTarget[t]++;
            }
        }
        for (int[] s : predictionSentences) {
            predictionTokens += s.length;
            for (int t : s) {
                unusedInPrediction[t]++;
            }
        }
        if (targetTokens == 0 || predictionTokens == 0) {
            return Score.ZERO;
        }
        int longestTarget = 0;
        int longestPrediction = 0;
        for (int[] s : targetSentences) {
            longestTarget = Math.max(longestTarget, s.length);
        }
        for (int[] s : predictionSentences) {
            longestPrediction = Math.max(longestPrediction, s.length);
        }
        int[] table = new int[(longestTarget + 1) * (longestPrediction + 1)];
        int hits = 0;
        for (int[] ref : targetSentences) {
            boolean[] inUnion = new boolean[ref.length];
            for (int[] can : predictionSentences) {
                LongestCommonSubsequence.markOneLcs(ref, can, inUnion, table);
            }
            for (int i = 0; i < ref.length; i++) {
                int t = ref[i];
                if (inUnion[i] && unusedInPrediction[t] > 0 && unusedInTarget[t] > 0) {
                    hits++;
                    unusedInPrediction[t]--;
                    unusedInTarget[t]--;
                }
            }
        }
        return Score.of((double) hits / predictionTokens, (double) hits / targetTokens);
    }
}
