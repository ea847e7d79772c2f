package org.pefttrainer.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;

/** Integer rows of the reference fixtures' JSON as Java arrays and NDArrays. */
public final class JsonArrays {
    private JsonArrays() {}

    /** A JSON array of integer arrays (rows may differ in length). */
    public static long[][] longMatrix(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode row = rows.get(r);
            out[r] = new long[row.size()];
            for (int i = 0; i < out[r].length; i++) {
                out[r][i] = row.get(i).asLong();
            }
        }
        return out;
    }

    /** A JSON list of equal-length integer rows as an int64 [rows, columns] array. */
    public static NDArray matrix(NDManager m, JsonNode rows) {
        int r = rows.size();
        int c = rows.get(0).size();
        long[] v = new long[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                v[i * c + j] = rows.get(i).get(j).asLong();
            }
        }
        return m.create(v, new Shape(r, c));
    }
}
