package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * The reference material of tools/reference/make_generation_cases.py: two tiny random T5 folders (relu/tied and
 * gated-gelu/untied) and cases.json with transformers 4.33.2's generate() outputs for one padded batch.
 */
final class GenerationFixtures {
    static final String RELU_TIED = "t5-relu-tied";
    static final String GATED_UNTIED = "t5-gated-untied";

    private GenerationFixtures() {}

    static Path dir() {
        try {
            return Path.of(GenerationFixtures.class.getResource("/generation").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static HfModelFolder folder(String name) {
        return HfModelFolder.open(dir().resolve(name));
    }

    static T5Model load(String name, NDManager manager) {
        return T5Loader.load(folder(name), manager, null);
    }

    static JsonNode cases() {
        return Json.read(dir().resolve("cases.json"));
    }

    static long[][] longMatrix(JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.longMatrix(rows);
    }

    static NDArray array(NDManager m, long[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return m.create(flat, new Shape(rows.length, rows[0].length));
    }

    /** The batch's rows without their padding. */
    static List<long[]> unpadded(long[][] ids, long[][] mask) {
        List<long[]> out = new ArrayList<>();
        for (int r = 0; r < ids.length; r++) {
            int n = 0;
            while (n < mask[r].length && mask[r][n] == 1) {
                n++;
            }
            out.add(java.util.Arrays.copyOf(ids[r], n));
        }
        return out;
    }
}
