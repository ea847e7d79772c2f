package org.pefttrainer.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Did-you-mean for an unknown key: the known key paths closest by edit distance; failing that, known paths that
 * end with the whole unknown path (a section prefix forgotten: {@code lora.r}); failing that, paths elsewhere
 * whose last name is (nearly) the same ({@code train.lr} → {@code optim.lr}).
 */
final class KeySuggester {
    private static final int MAX_SUGGESTIONS = 3;

    private final List<String> known;

    KeySuggester(List<String> known) {
        this.known = List.copyOf(known);
    }

    /** " (did you mean 'optim.lr'?)", or "" when nothing is close. */
    String hint(String unknown) {
        List<String> s = suggest(unknown);
        if (s.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(" (did you mean ");
        for (int i = 0; i < s.size(); i++) {
            if (i > 0) {
                b.append(i == s.size() - 1 ? " or " : ", ");
            }
            b.append('\'').append(s.get(i)).append('\'');
        }
        return b.append("?)").toString();
    }

    /** The best suggestions, best first (at most three). */
    List<String> suggest(String unknown) {
        List<String> byPath = closest(unknown, known, KeySuggester::identity, threshold(unknown));
        if (!byPath.isEmpty()) {
            return byPath;
        }
        List<String> bySuffix = new ArrayList<>();
        for (String k : known) {
            if (k.endsWith("." + unknown)) {
                bySuffix.add(k);
            }
        }
        if (!bySuffix.isEmpty()) {
            return sortedByDistance(unknown, bySuffix);
        }
        String leaf = leaf(unknown);
        return sortedByDistance(unknown, closest(leaf, known, KeySuggester::leaf, threshold(leaf)));
    }

    /** The candidates whose {@code part} is at the smallest distance from {@code target}, if within max. */
    private static List<String> closest(String target, List<String> candidates,
                                        Function<String, String> part, int max) {
        int best = Integer.MAX_VALUE;
        List<String> hits = new ArrayList<>();
        for (String c : candidates) {
            int d = distance(target, part.apply(c));
            if (d < best) {
                best = d;
                hits.clear();
            }
            if (d == best) {
                hits.add(c);
            }
        }
        return best <= max ? hits.subList(0, Math.min(hits.size(), MAX_SUGGESTIONS)) : List.of();
    }

    private static List<String> sortedByDistance(String target, List<String> paths) {
        List<String> sorted = new ArrayList<>(paths);
        sorted.sort(Comparator.comparingInt((String p) -> distance(target, p)).thenComparing(p -> p));
        return sorted.subList(0, Math.min(sorted.size(), MAX_SUGGESTIONS));
    }

    /** Typos allowed: about one per four characters, at least one, at most three. */
    private static int threshold(String s) {
        return Math.max(1, Math.min(3, s.length() / 4));
    }

    private static String identity(String s) {
        return s;
    }

    private static String leaf(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** Levenshtein distance (insert, delete, substitute: cost 1 each). */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
