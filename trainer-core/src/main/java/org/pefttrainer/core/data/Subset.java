package org.pefttrainer.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.pefttrainer.core.UserException;

/**
 * A deterministic selection of examples for quick runs: all, the first N, or N drawn at random with a seed. A
 * random subset keeps the dataset's order, so the same (N, seed) always yields the same list in the same order,
 * and a larger N with the same seed is not required to contain a smaller one.
 *
 * @param mode which selection
 * @param n    how many (ignored for ALL); more than the dataset has means all
 * @param seed the seed of a RANDOM selection
 */
public record Subset(Mode mode, int n, long seed) {

    public enum Mode { ALL, FIRST, RANDOM }

    public Subset {
        if (mode != Mode.ALL && n < 0) {
            throw new UserException("subset size must be >= 0, got " + n);
        }
    }

    public static Subset all() {
        return new Subset(Mode.ALL, 0, 0);
    }

    public static Subset first(int n) {
        return new Subset(Mode.FIRST, n, 0);
    }

    public static Subset random(int n, long seed) {
        return new Subset(Mode.RANDOM, n, seed);
    }

    /** The selected examples. */
    public <T> List<T> apply(List<T> examples) {
        if (mode == Mode.ALL || n >= examples.size()) {
            return List.copyOf(examples);
        }
        if (mode == Mode.FIRST) {
            return List.copyOf(examples.subList(0, n));
        }
        int[] picked = pick(examples.size(), n, seed);
        List<T> out = new ArrayList<>(n);
        for (int i : picked) {
            out.add(examples.get(i));
        }
        return List.copyOf(out);
    }

    /** n distinct indices of [0, size), ascending: a partial Fisher–Yates with java.util.Random (spec-stable). */
    static int[] pick(int size, int n, long seed) {
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(size - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] picked = Arrays.copyOf(idx, n);
        Arrays.sort(picked);
        return picked;
    }
}
