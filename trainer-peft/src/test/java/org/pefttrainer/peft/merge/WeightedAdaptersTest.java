package org.pefttrainer.peft.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.peft.TinyModels;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.merge.WeightedAdapters.Combination;

/**
 * PEFT's add_weighted_adapter on matrices small enough to write the results down by hand (tools/reference/README.md
 * has the formulas), and the weights merged from the combined adapter.
 */
class WeightedAdaptersTest {
    static final String Q = "encoder.block.0.layer.0.SelfAttention.q";
    static final String V = "encoder.block.0.layer.0.SelfAttention.v";
    static final double R2 = Math.sqrt(2);
    // Module shapes here: in 3, out 2.
    static final float[] A1 = {1, 0, 0, 0, 1, 0};
    static final float[] B1 = {1, 2, 0, 1};
    static final float[] A2 = {0, 0, 1, 1, 1, 1};
    static final float[] B2 = {2, 0, 1, 1};
    static final float[] A3 = {1, -1, 2};
    static final float[] B3 = {3, -1};

    static LoraWeights adapter(String name, int r, double alpha, boolean rslora, Map<String, float[][]> modules,
            String... targets) {
        Map<String, LoraWeights.Matrices> m = new LinkedHashMap<>();
        modules.forEach((k, ab) -> m.put(k, new LoraWeights.Matrices(r, 3, 2, ab[0], ab[1])));
        return new LoraWeights(name, LoraConfig.builder().r(r).loraAlpha(alpha).useRslora(rslora)
                .targetModules(TargetModules.names(List.of(targets))).build(), m);
    }

    static final LoraWeights FIRST = adapter("first", 2, 4, false,     // scaling 2
            orderedMap(Q, new float[][] {A1, B1}, V, new float[][] {A2, B2}), "q", "v");
    static final LoraWeights SECOND = adapter("second", 2, 2, false,   // scaling 1
            orderedMap(Q, new float[][] {A2, B2}), "q");
    static final LoraWeights THIRD = adapter("third", 1, 3, false,     // scaling 3
            orderedMap(Q, new float[][] {A3, B3}), "q");

    static Map<String, float[][]> orderedMap(Object... kv) {
        Map<String, float[][]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (float[][]) kv[i + 1]);
        }
        return m;
    }

    static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    @Test
    void linearPutsTheSquareRootOfWeightTimesScalingOnBothMatrices() {
        // weights 0.5 and 2: sqrt(0.5·2) = 1 for first, sqrt(2·1) = √2 for second.
        LoraWeights c = WeightedAdapters.combine("lin", List.of(FIRST, SECOND), new double[] {0.5, 2}, Combination.LINEAR);
        assertEquals(2, c.config().r());
        assertEquals(2.0, c.config().loraAlpha());
        assertEquals(1.0, c.scaling());
        assertEquals(TargetModules.names("q", "v"), c.config().targetModules());
        LoraWeights.Matrices q = c.modules().get(Q);
        assertArrayEquals(f(1, 0, R2, R2, 1 + R2, R2), q.a(), 1e-6f);
        assertArrayEquals(f(1 + 2 * R2, 2, R2, 1 + R2), q.b(), 1e-6f);
        // v exists only in the first adapter: only its term.
        LoraWeights.Matrices v = c.modules().get(V);
        assertArrayEquals(A2, v.a());
        assertArrayEquals(B2, v.b());

        // Merged: W + 1·B'A' (cross terms included: not Σ w_i s_i B_i A_i).
        float[] w = {0.5f, -0.5f, 0.25f, 1, 0, -1};
        float[] merged = merger(c).merge(Q + ".weight", w.clone());
        double[][] bq = {{1 + 2 * R2, 2}, {R2, 1 + R2}};
        double[][] aq = {{1, 0, R2}, {R2, 1 + R2, R2}};
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 3; i++) {
                double want = w[o * 3 + i] + bq[o][0] * aq[0][i] + bq[o][1] * aq[1][i];
                assertEquals(want, merged[o * 3 + i], 1e-5, "merged [" + o + "," + i + "]");
            }
        }
    }

    @Test
    void linearNeedsEqualRanksAndNonNegativeWeights() {
        UserException e = assertThrows(UserException.class, () -> WeightedAdapters.combine("x", List.of(FIRST, THIRD),
                new double[] {1, 1}, Combination.LINEAR));
        assertEquals("linear combination needs adapters of equal rank, got first r=2, third r=1 (use --combination cat "
                + "for different ranks)", e.getMessage());
        UserException neg = assertThrows(UserException.class, () -> WeightedAdapters.combine("x",
                List.of(FIRST, SECOND), new double[] {1, -1}, Combination.LINEAR));
        assertEquals("linear combination takes the square root of weight × scaling, which is -1.0 for adapter 'second' "
                + "(weight -1.0); use a weight >= 0 or --combination cat", neg.getMessage());
        assertThrows(UserException.class, () -> WeightedAdapters.combine("x", List.of(FIRST), new double[] {1, 2},
                Combination.CAT));
    }

    @Test
    void catStacksWeightTimesScalingTimesAAndTheColumnsOfB() {
        // weights 0.5 and 2: A rows 0.5·2·A1 = A1, then 2·3·A3 = 6·A3; B columns B1 then B3.
        LoraWeights c = WeightedAdapters.combine("cat", List.of(FIRST, THIRD), new double[] {0.5, 2}, Combination.CAT);
        assertEquals(3, c.config().r());
        assertEquals(3.0, c.config().loraAlpha());
        assertEquals(1.0, c.scaling());
        LoraWeights.Matrices q = c.modules().get(Q);
        assertArrayEquals(f(1, 0, 0, 0, 1, 0, 6, -6, 12), q.a());
        assertArrayEquals(f(1, 2, 3, 0, 1, -1), q.b());
        // v only in the first adapter: its rows first, the rest zero.
        LoraWeights.Matrices v = c.modules().get(V);
        assertArrayEquals(f(0, 0, 1, 1, 1, 1, 0, 0, 0), v.a());
        assertArrayEquals(f(2, 0, 0, 1, 1, 0), v.b());

        // Merged: exactly W + Σ w_i·s_i·B_i·A_i = W + 1·B1A1 + 6·B3A3.
        float[] w = {0.5f, -0.5f, 0.25f, 1, 0, -1};
        float[] merged = merger(c).merge(Q + ".weight", w.clone());
        float[] want = {
            0.5f + 1 + 18, -0.5f + 2 - 18, 0.25f + 0 + 36,
            1 + 0 - 6, 0 + 1 + 6, -1 + 0 - 12};
        assertArrayEquals(want, merged, 1e-5f);
    }

    @Test
    void resultScalingIsSqrtOfRankWhenTheFirstAdapterUsesRsLora() {
        LoraWeights rs = adapter("rs", 4, 8, true, orderedMap(Q, new float[][] {new float[12], new float[8]}), "q");
        LoraWeights c = WeightedAdapters.combine("x", List.of(rs, rs.withName("rs2")), new double[] {1, 1},
                Combination.LINEAR);
        assertEquals(2.0, c.scaling()); // r' = 4, lora_alpha = 4, rsLoRA: 4 / sqrt(4)
        LoraWeights cat = WeightedAdapters.combine("x", List.of(rs, rs.withName("rs2")), new double[] {1, 1},
                Combination.CAT);
        assertEquals(8 / Math.sqrt(8), cat.scaling(), 1e-12);
    }

    static LoraMerger merger(LoraWeights w) {
        ModelLayout layout = T5Architecture.layout(TinyModels.config(64, 16, 1, false, true));
        return LoraMerger.of(w, layout);
    }
}
