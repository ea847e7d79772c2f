package org.pefttrainer.eval.rouge;

import java.util.HashMap;

/** Numbers the distinct tokens of one prediction and its references, so that matching compares ints. */
final class TokenIds {
    // Sized for a summary and its references (tens to a few hundred distinct tokens) to avoid rehashing.
    private final HashMap<String, Integer> ids = new HashMap<>(256);

    int idOf(String token) {
        Integer next = ids.size();
        Integer known = ids.putIfAbsent(token, next);
        return known != null ? known : next;
    }

    /** How many distinct tokens have been numbered: every id is below this. */
    int size() {
        return ids.size();
    }
}
