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

    /** A JSON list of equal-length integer rows as an int64 [rows, columns] array. */
    public static NDArray matrix(NDManager m, JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.matrix(m, rows);
    }
}
