package org.pefttrainer.eval.rouge;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Objects;

/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum of a prediction against one or more references, equal to Google's
 * {@code rouge_score} 0.1.2 {@code RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer)} (the
 * scorer behind Hugging Face {@code evaluate}'s "rouge"). Thread-safe: one instance can serve all threads.
 *
 * <p>Argument order is prediction first everywhere in this class (rouge_score's {@code score} takes the target
 * first).
 */
public final class RougeScorer {
    private final RougeTokenizer tokenizer;

    /** @param useStemmer rouge_score's {@code use_stemmer}: NLTK Porter stems for tokens longer than 3 characters */
    public RougeScorer(boolean useStemmer) {
        this.tokenizer = new RougeTokenizer(useStemmer);
    }

    public boolean usesStemmer() {
        return tokenizer.usesStemmer();
    }

    /** rouge_score's {@code score(reference, prediction)}. */
    public RougeScores score(String prediction, String reference) {
        return score(prediction, List.of(reference));
    }

    /**
     * rouge_score's {@code score_multi(references, prediction)}: for each ROUGE type separately, the score against
     * the reference with the highest F (the first one on ties). With one reference it equals {@link #score(String,
     * String)}.
     *
     * @throws IllegalArgumentException if {@code references} is empty (rouge_score fails on it too)
     */
    public RougeScores score(String prediction, List<String> references) {
        Objects.requireNonNull(prediction, "prediction");
        if (references.isEmpty()) {
            throw new IllegalArgumentException("at least one reference is needed");
        }
        TokenIds ids = new TokenIds();
        TokenizedText predicted = TokenizedText.of(prediction, tokenizer, ids);
        List<TokenizedText> targets = new ArrayList<>(references.size());
        for (String reference : references) {
            targets.add(TokenizedText.of(Objects.requireNonNull(reference, "reference"), tokenizer, ids));
        }
        EnumMap<RougeType, Score> best = new EnumMap<>(RougeType.class);
        for (TokenizedText target : targets) {
            for (RougeType type : RougeType.values()) {
                Score s = score(type, target, predicted, ids.size());
                Score kept = best.get(type);
                if (kept == null || s.fmeasure() > kept.fmeasure()) {
                    best.put(type, s);
                }
            }
        }
        return new RougeScores(best);
    }

    /** Scores {@code predictions.get(i)} against {@code references.get(i)} for every i, in order. */
    public List<RougeScores> scoreAll(List<String> predictions, List<? extends List<String>> references) {
        if (predictions.size() != references.size()) {
            throw new IllegalArgumentException(
                    predictions.size() + " predictions but " + references.size() + " reference lists");
        }
        List<RougeScores> out = new ArrayList<>(predictions.size());
        for (int i = 0; i < predictions.size(); i++) {
            out.add(score(predictions.get(i), references.get(i)));
        }
        return out;
    }

    private static Score score(RougeType type, TokenizedText target, TokenizedText prediction, int vocabulary) {
        switch (type) {
            case ROUGE1: return NgramOverlap.score(target.tokens, prediction.tokens, 1);
            case ROUGE2: return NgramOverlap.score(target.tokens, prediction.tokens, 2);
            case ROUGE_L: return LongestCommonSubsequence.score(target.tokens, prediction.tokens);
            case ROUGE_LSUM: return SummaryLevelLcs.score(target.sentences, prediction.sentences, vocabulary);
            default: throw new AssertionError(type);
        }
    }
}
