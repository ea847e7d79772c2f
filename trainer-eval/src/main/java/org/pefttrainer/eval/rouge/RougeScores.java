package org.pefttrainer.eval.rouge;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** The scores of one prediction, one {@link Score} per {@link RougeType}, in {@link RougeType} order. Immutable. */
public final class RougeScores {
    private final Map<RougeType, Score> scores;

    public RougeScores(Map<RougeType, Score> scores) {
        EnumMap<RougeType, Score> copy = new EnumMap<>(RougeType.class);
        copy.putAll(scores);
        for (RougeType t : RougeType.values()) {
            if (!copy.containsKey(t)) {
                throw new IllegalArgumentException("missing score for " + t.key());
            }
        }
        this.scores = Collections.unmodifiableMap(copy);
    }

    public Score get(RougeType type) {
        return scores.get(type);
    }

    public Map<RougeType, Score> asMap() {
        return scores;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RougeScores other && scores.equals(other.scores);
    }

    @Override
    public int hashCode() {
        return scores.hashCode();
    }

    @Override
    public String toString() {
        return scores.toString();
    }
}
