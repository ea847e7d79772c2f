package org.pefttrainer.eval.metrics;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Exact match after SQuAD v1.1's {@code normalize_answer}: lower-case, ASCII punctuation removed, the articles
 * "a", "an", "the" removed as words, whitespace collapsed. A prediction scores 1 when it equals any reference so
 * normalised, else 0.
 */
public final class ExactMatch {
    private static final Pattern PUNCTUATION = Pattern.compile("[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~]");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private ExactMatch() {}

    public static String normalize(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        t = PUNCTUATION.matcher(t).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        return SPACE.matcher(t.strip()).replaceAll(" ");
    }

    public static double score(String prediction, List<String> references) {
        String p = normalize(prediction);
        for (String r : references) {
            if (r != null && normalize(r).equals(p)) {
                return 1.0;
            }
        }
        return 0.0;
    }
}
