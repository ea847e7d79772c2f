package org.pefttrainer.core.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.EncoderOutput;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.testing.TinyT5;
import org.pefttrainer.core.tensor.NdArrays;

/**
 * T5Model's logits against {@link T5Reference} (the forward pass in plain double loops) on 1-layer models with
 * random weights, layer norms included, in both T5 flavours; and the KV-cache decode path against the full pass.
 */
class T5ForwardTest {
    // inner dim (heads·d_kv = 6) differs from d_model (8) so that a mixed-up reshape cannot pass
    static final T5Config RELU_TIED = TinyT5.config(13, 8, 3, 2, 10, 1, 1, false, true, 0.1);
    static final T5Config GATED_UNTIED = TinyT5.config(13, 8, 3, 2, 10, 1, 1, true, false, 0.1);

    static final long[][] IDS = {{3, 4, 5, 6, 7, 1}, {8, 9, 10, 1, 0, 0}};
    static final long[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}};
    static final long[][] DEC = {{0, 5, 11, 12, 2}, {0, 7, 7, 1, 0}};

    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    /** Random weights for every parameter; layer norms around 1 so that their weights matter too. */
    static Map<String, float[]> randomWeights(T5Config c, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        T5Architecture.parameterShapes(c).forEach((name, shape) -> {
            int n = (int) (shape[0] * (shape.length > 1 ? shape[1] : 1));
            float[] v = new float[n];
            double std = name.contains("relative_attention_bias") ? 1.0 : name.contains("shared") ? 1.0 : 0.4;
            for (int i = 0; i < n; i++) {
                v[i] = (float) (name.contains("layer_norm") ? 1 + 0.3 * r.nextGaussian() : std * r.nextGaussian());
            }
            out.put(name, v);
        });
        return out;
    }

    static T5Model model(T5Config c, Map<String, float[]> values, NDManager m) {
        Weights w = new Weights(m);
        T5Architecture.parameterShapes(c).forEach((name, shape) -> w.put(name, m.create(values.get(name), new Shape(shape))));
        return new T5Model(c, w);
    }

    private void compareWithReference(T5Config c, long seed) {
        Map<String, float[]> values = randomWeights(c, seed);
        T5Reference ref = new T5Reference(c, values);
        try (NDManager m = manager.newSubManager()) {
            T5Model model = model(c, values, m);
            ForwardContext ctx = ForwardContext.inference(m);
            NDArray ids = NdArrays.fromLong2d(m, IDS);
            NDArray mask = NdArrays.fromLong2d(m, MASK);
            EncoderOutput enc = model.encode(ctx, ids, mask);
            float[] logits = model.decode(ctx, enc, NdArrays.fromLong2d(m, DEC), null).toFloatArray();
            float[] encHidden = enc.hidden().toFloatArray();
            int v = c.vocabSize();
            int t = DEC[0].length;
            int s = IDS[0].length;
            double maxErr = 0;
            for (int b = 0; b < IDS.length; b++) {
                double[][] e = ref.encode(IDS[b], MASK[b]);
                for (int i = 0; i < s; i++) {
                    for (int k = 0; k < c.dModel(); k++) {
                        assertClose(e[i][k], encHidden[(b * s + i) * c.dModel() + k], "encoder b" + b + " s" + i);
                    }
                }
                double[][] expected = ref.decode(e, MASK[b], DEC[b]);
                for (int i = 0; i < t; i++) {
                    for (int k = 0; k < v; k++) {
                        double got = logits[(b * t + i) * v + k];
                        assertClose(expected[i][k], got, "logit b" + b + " t" + i + " v" + k);
                        maxErr = Math.max(maxErr, Math.abs(expected[i][k] - got));
                    }
                }
            }
            System.out.printf("T5ForwardTest %s/%s: max |logit - reference| = %.2e%n", c.denseActFn(),
                    c.tieWordEmbeddings() ? "tied" : "untied", maxErr);
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-5 * Math.max(1, Math.abs(expected)), what);
    }

    @Test
    void reluTiedOneLayerByHand() {
        compareWithReference(RELU_TIED, 1);
        compareWithReference(RELU_TIED, 2);
    }

    @Test
    void gatedGeluUntiedOneLayerByHand() {
        compareWithReference(GATED_UNTIED, 3);
        compareWithReference(GATED_UNTIED, 4);
    }

    @Test
    void twoLayersByHand() {
        // only layer 0 of each stack has a position bias table; layer 1 must reuse it
        compareWithReference(TinyT5.config(13, 8, 3, 2, 10, 2, 2, true, false, 0.1), 5);
    }

    @Test
    void paddingDoesNotChangeTheUnpaddedRow() {
        // row 1 alone, without its padding, must give the same logits as inside the padded batch
        T5Config c = GATED_UNTIED;
        Map<String, float[]> values = randomWeights(c, 6);
        try (NDManager m = manager.newSubManager()) {
            T5Model model = model(c, values, m);
            ForwardContext ctx = ForwardContext.inference(m);
            float[] padded = model.forward(ctx, NdArrays.fromLong2d(m, IDS), NdArrays.fromLong2d(m, MASK),
                    NdArrays.fromLong2d(m, DEC)).get(new NDIndex("1")).toFloatArray();
            float[] alone = model.forward(ctx, NdArrays.fromLong2d(m, new long[][] {{8, 9, 10, 1}}),
                    NdArrays.fromLong2d(m, new long[][] {{1, 1, 1, 1}}), NdArrays.fromLong2d(m, new long[][] {DEC[1]}))
                    .get(new NDIndex("0")).toFloatArray();
            assertEquals(alone.length, padded.length);
            for (int i = 0; i < alone.length; i++) {
                assertEquals(alone[i], padded[i], 1e-5, "logit " + i);
            }
        }
    }

    private void cacheEqualsFullPass(T5Config c, long seed) {
        Map<String, float[]> values = randomWeights(c, seed);
        try (NDManager m = manager.newSubManager()) {
            T5Model model = model(c, values, m);
            ForwardContext ctx = ForwardContext.inference(m);
            EncoderOutput enc = model.encode(ctx, NdArrays.fromLong2d(m, IDS), NdArrays.fromLong2d(m, MASK));
            NDArray dec = NdArrays.fromLong2d(m, DEC);
            NDArray full = model.decode(ctx, enc, dec, null);
            DecoderCache cache = model.newCache();
            int t = DEC[0].length;
            for (int i = 0; i < t; i++) {
                NDArray step = model.decode(ctx, enc, dec.get(new NDIndex(":, {}:{}", i, i + 1)), cache);
                assertArrayEquals(new long[] {2, 1, c.vocabSize()}, step.getShape().getShape());
                assertEquals(i + 1, cache.length());
                float[] want = full.get(new NDIndex(":, {}:{}", i, i + 1)).toFloatArray();
                float[] got = step.toFloatArray();
                for (int k = 0; k < want.length; k++) {
                    assertEquals(want[k], got[k], 1e-5 * Math.max(1, Math.abs(want[k])), "position " + i + " logit " + k);
                }
            }
            // two positions at once after a prefix (the cache also takes several new tokens)
            DecoderCache c2 = model.newCache();
            model.decode(ctx, enc, dec.get(new NDIndex(":, 0:3")), c2);
            float[] rest = model.decode(ctx, enc, dec.get(new NDIndex(":, 3:5")), c2).toFloatArray();
            float[] want = full.get(new NDIndex(":, 3:5")).toFloatArray();
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], rest[k], 1e-5 * Math.max(1, Math.abs(want[k])), "chunked logit " + k);
            }
            assertTrue(c2.length() == 5);
        }
    }

    @Test
    void kvCacheDecodeEqualsNoCachePath() {
        cacheEqualsFullPass(RELU_TIED, 7);
        cacheEqualsFullPass(GATED_UNTIED, 8);
        cacheEqualsFullPass(TinyT5.config(13, 8, 3, 2, 10, 2, 3, true, false, 0.1), 9);
    }
}
