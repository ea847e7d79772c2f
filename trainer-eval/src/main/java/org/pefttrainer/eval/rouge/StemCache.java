package org.pefttrainer.eval.rouge;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers stems of recent words: a summary's vocabulary is small and repetitive, and stemming is the costliest
 * part of tokenizing. Bounded by starting over when full (cheap, thread-safe, and frequent words come back at once).
 */
final class StemCache {
    private final PorterStemmer stemmer = new PorterStemmer();
    private final ConcurrentHashMap<String, String> stems = new ConcurrentHashMap<>();
    private final int maxEntries;

    StemCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    String stem(String word) {
        String stem = stems.get(word);
        if (stem == null) {
            stem = stemmer.stem(word);
            if (stems.size() >= maxEntries) {
                stems.clear();
            }
            stems.put(word, stem);
        }
        return stem;
    }
}
