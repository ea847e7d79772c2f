package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.peft.TinyModels;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.merge.LoraMerger;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.lora.TargetModules;

/** ΔW = scaling·B·A by hand, merge and unmerge, the safe-merge check. */
class LoraDeltaTest {
    // A [r=2, in=3], B [out=2, r=2]:  B·A = [[1, 2, 3], [2, 5, 5]].
    static final float[] A = {1, 2, 3, 0, 1, -1};
    static final float[] B = {1, 0, 2, 1};

    @Test
    void deltaIsScalingTimesBA() {
        LoraWeights.Matrices m = new LoraWeights.Matrices(2, 3, 2, A, B);
        assertArrayEquals(new float[] {0.5f, 1, 1.5f, 1, 2.5f, 2.5f}, LoraDelta.of(m, 0.5, false));
        // fan_in_fan_out: the base stores W as [in, out], so ΔW is transposed.
        assertArrayEquals(new float[] {0.5f, 1, 1, 2.5f, 1.5f, 2.5f}, LoraDelta.of(m, 0.5, true));
        // In place, without materialising ΔW: W + ΔW, then back.
        float[] w = {10, 20, 30, 40, 50, 60};
        LoraDelta.addTo(w, m, 0.5, true, false);
        assertArrayEquals(new float[] {10.5f, 21, 31, 42.5f, 51.5f, 62.5f}, w);
        LoraDelta.addTo(w, m, 0.5, true, true);
        assertArrayEquals(new float[] {10, 20, 30, 40, 50, 60}, w);
    }

    @Test
    void mergeThenUnmergeRestoresTheWeightToFp32Rounding() {
        Random rnd = new Random(3);
        int r = 8;
        int in = 64;
        int out = 48;
        float[] a = new float[r * in];
        float[] b = new float[out * r];
        float[] w = new float[out * in];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        LoraMerger merger = merger(Map.of("encoder.block.0.layer.0.SelfAttention.q",
                new LoraWeights.Matrices(r, in, out, a, b)), 16, r);
        float[] merged = merger.merge("encoder.block.0.layer.0.SelfAttention.q.weight", w.clone());
        float[] restored = merger.unmerge("encoder.block.0.layer.0.SelfAttention.q.weight", merged.clone());
        int exact = 0;
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int k = o * in + i;
                // The merged value by hand: W + (alpha/r)·Σ_j B[o,j]·A[j,i].
                double dot = 0;
                for (int j = 0; j < r; j++) {
                    dot += (double) b[o * r + j] * a[j * in + i];
                }
                double want = w[k] + 2.0 * dot;
                // fp32 roundings: of scaling·B·A (half an ulp of it) and of the sum (half an ulp of the result).
                double bound = 0.5 * Math.ulp((float) Math.abs(2.0 * dot)) + 0.5 * Math.ulp((float) want);
                assertEquals(want, merged[k], bound * 1.001, "merged [" + o + "," + i + "]");
                // (W + d) - d loses at most one rounding of |W + d|.
                assertEquals(w[k], restored[k], Math.ulp(Math.max(Math.abs(merged[k]), Math.abs(w[k]))), "unmerge");
                exact += w[k] == restored[k] ? 1 : 0;
            }
        }
        assertTrue(exact < w.length, "the delta is large against W, so some elements do round");
        // Tensors the adapter does not target pass through untouched.
        float[] other = {1, 2, 3};
        assertSame(other, merger.merge("encoder.block.0.layer.0.SelfAttention.k.weight", other));
        assertArrayEquals(new float[] {1, 2, 3}, other);
    }

    @Test
    void nonFiniteMergedWeightIsAnErrorNamingTheTensor() {
        float[] a = {Float.MAX_VALUE, 0, 0, 0};
        float[] b = {4, 0, 0, 0};
        LoraMerger merger = merger(Map.of("decoder.block.0.layer.1.EncDecAttention.v",
                new LoraWeights.Matrices(1, 4, 4, a, b)), 1, 1);
        UserException e = assertThrows(UserException.class,
                () -> merger.merge("decoder.block.0.layer.1.EncDecAttention.v.weight", new float[16]));
        assertEquals("merging adapter 'test' into 'decoder.block.0.layer.1.EncDecAttention.v.weight' gives Infinity at "
                + "element 0 (NaN or infinity); the adapter (or the base weight) is broken, nothing was written",
                e.getMessage());
    }

    @Test
    void loraOnATiedLmHeadIsRefused() {
        T5Config tied = TinyModels.config(64, 16, 1, false, true);
        LoraWeights w = new LoraWeights("head", LoraConfig.builder().r(1).targetModules(TargetModules.names("lm_head"))
                .build(), Map.of("lm_head", new LoraWeights.Matrices(1, 16, 64, new float[16], new float[64])));
        UserException e = assertThrows(UserException.class, () -> LoraMerger.of(w, T5Architecture.layout(tied)));
        assertTrue(e.getMessage().contains("'lm_head.weight' is tied to 'shared.weight'"), e.getMessage());
    }

    /** A merger over a T5 layout whose q/k/v are [out, in] = whatever the test needs (only names matter here). */
    static LoraMerger merger(Map<String, LoraWeights.Matrices> modules, double alpha, int r) {
        LoraConfig config = LoraConfig.builder().r(r).loraAlpha(alpha).targetModules(TargetModules.names("q", "v"))
                .build();
        ModelLayout layout = T5Architecture.layout(TinyModels.config(64, 16, 1, false, true));
        return LoraMerger.of(new LoraWeights("test", config, new LinkedHashMap<>(modules)), layout);
    }
}
