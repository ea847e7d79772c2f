package org.pefttrainer.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/** The decoder-only fixtures of tools/reference/make_causal_fixtures.py (kept in trainer-core's test resources). */
public final class CausalFixtures {
    private CausalFixtures() {}

    public static final Path CASES = Path.of("..", "trainer-core", "src", "test", "resources", "reference", "causal");

    /**
     * Labels as transformers takes them (a JSON list of rows, -100 = ignored) shifted left by one as the causal
     * collator stores them (transformers shifts inside the model): int64 [rows, columns], -100 in the last column.
     */
    public static NDArray shiftedLabels(NDManager m, JsonNode labels) {
        int rows = labels.size();
        int width = labels.get(0).size();
        long[] shifted = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < width; t++) {
                shifted[r * width + t] = t + 1 < width ? labels.get(r).get(t + 1).asLong() : -100;
            }
        }
        return m.create(shifted, new Shape(rows, width));
    }

    /** A JSON list of equal-length integer rows as an int64 [rows, columns] array. */
    public static NDArray matrix(NDManager m, JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.matrix(m, rows);
    }
}
