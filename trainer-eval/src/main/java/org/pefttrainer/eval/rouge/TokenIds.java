package org.pefttrainer.eval.rouge;

import java.util.HashMap;

/** Numbers the distinct tokens of one prediction and its references, so that matching compares ints. */
final class TokenIds {
    private final HashMap<String, Integer> ids = new HashMap<>();

    int idOf(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            id = ids.size();
            ids.put(token, id);
        }
        return id;
    }

    /** How many distinct tokens have been numbered: every id is below this. */
    int size() {
        return ids.size();
    }
}
