package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.peft.PeftSamples;

/** The LoRA update against plain-Java arithmetic on the tiny model's projections. */
class LoraLayerTest {
    private static final String Q = "encoder.block.0.layer.0.SelfAttention.q";
    private static final String WO = "decoder.block.1.layer.2.DenseReluDense.wo"; // in 24 → out 16
    /**
     * Outputs are O(1) sums of 16-24 fp32 products (|W| ~ 0.3, |x| ~ 1); fp32 rounding over such a sum stays below
     * 1e-6, the hand computation is in double. 1e-5 fails for any wrong index, transpose or scaling.
     */
    private static final double TOLERANCE = 1e-5;

    private static NDManager manager;
    private static T5Model base;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        base = PeftSamples.tinyT5(manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static LoraConfig.Builder config() {
        return LoraConfig.builder().r(4).loraAlpha(8).targetModules(TargetModules.names(Q, WO))
                .initLoraWeights(LoraInit.NONE);
    }

    private static float[] randomInput(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** y = x·Wᵀ + s · ((x·Aᵀ)·Bᵀ) in double, for x [rows, in]. */
    private static double[] byHand(float[] x, int rows, float[] w, float[] a, float[] b, int in, int out, int r,
            double s) {
        double[] y = new double[rows * out];
        for (int row = 0; row < rows; row++) {
            double[] ax = new double[r];
            for (int j = 0; j < r; j++) {
                for (int i = 0; i < in; i++) {
                    ax[j] += (double) a[j * in + i] * x[row * in + i];
                }
            }
            for (int o = 0; o < out; o++) {
                double base = 0;
                for (int i = 0; i < in; i++) {
                    base += (double) w[o * in + i] * x[row * in + i];
                }
                double lora = 0;
                for (int j = 0; j < r; j++) {
                    lora += (double) b[o * r + j] * ax[j];
                }
                y[row * out + o] = base + s * lora;
            }
        }
        return y;
    }

    private static void assertProjectionMatchesHand(LoraModel lora, String module, double scaling) {
        LoraLayer layer = lora.layer(module);
        assertEquals(scaling, layer.scaling(), 1e-15);
        int in = layer.inFeatures();
        int out = layer.outFeatures();
        int r = layer.r();
        float[] w = base.weights().get(module + ".weight").toFloatArray();
        float[] x = randomInput(2 * 3 * in, 7);
        double[] expected = byHand(x, 6, w, layer.loraA().toFloatArray(), layer.loraB().toFloatArray(), in, out, r,
                scaling);
        try (NDManager step = manager.newSubManager()) {
            ForwardContext ctx = lora.attach(ForwardContext.inference(step));
            NDArray xs = NdArrays.createFloat32(step, new Shape(2, 3, in), x);
            // The model's projection: frozen x·Wᵀ plus the hook's delta (T5Model.linear).
            NDArray y = Ops.linear(xs, base.weights().get(module + ".weight")).add(ctx.linearHook().delta(module, xs, ctx));
            float[] got = y.toFloatArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], TOLERANCE, module + " element " + i);
            }
        }
    }

    @Test
    void projectionEqualsBasePlusScaledBAx() {
        try (LoraModel lora = LoraModel.create(base, config().build(), 1, manager)) {
            assertProjectionMatchesHand(lora, Q, 2.0);
            assertProjectionMatchesHand(lora, WO, 2.0);
        }
    }

    @Test
    void rsLoraScalesByAlphaOverSqrtR() {
        try (LoraModel lora = LoraModel.create(base, config().r(4).loraAlpha(8).useRslora(true).build(), 1, manager)) {
            assertProjectionMatchesHand(lora, Q, 4.0); // 8 / sqrt(4)
        }
        try (LoraModel lora = LoraModel.create(base, config().r(9).loraAlpha(3).useRslora(true).build(), 2, manager)) {
            assertProjectionMatchesHand(lora, WO, 1.0); // 3 / sqrt(9), where plain LoRA would scale by 1/3
        }
        assertEquals(1.0 / 3, config().r(9).loraAlpha(3).build().scaling(), 1e-15);
    }

    @Test
    void untargetedModulesGetNoDelta() {
        try (LoraModel lora = LoraModel.create(base, config().build(), 1, manager);
                NDManager step = manager.newSubManager()) {
            NDArray x = step.ones(new Shape(1, 2, 16));
            ForwardContext ctx = ForwardContext.inference(step);
            assertNull(lora.delta("encoder.block.0.layer.0.SelfAttention.k", x, ctx));
            assertNotNull(lora.delta(Q, x, ctx));
        }
    }

    @Test
    void withBZeroTheModelIsBitEqualToTheBase() {
        LoraConfig c = LoraConfig.builder().targetModules(TargetModules.allLinear()).build(); // B = 0 (PEFT default)
        try (LoraModel lora = LoraModel.create(base, c, 3, manager); NDManager step = manager.newSubManager()) {
            for (LoraLayer layer : lora.layers().values()) {
                assertTrue(Arrays.equals(new float[layer.outFeatures() * layer.r()], layer.loraB().toFloatArray()));
            }
            float[] plain = PeftSamples.logits(base, ForwardContext.inference(step));
            float[] adapted = PeftSamples.logits(base, lora.attach(ForwardContext.inference(step)));
            assertArrayEquals(plain, adapted); // exact: x·Wᵀ + (±0) == x·Wᵀ bit for bit
        }
    }

    @Test
    void dropoutActsOnTheLoraInputOnlyInTraining() {
        try (LoraModel lora = LoraModel.create(base, config().loraDropout(0.5).build(), 1, manager);
                NDManager step = manager.newSubManager()) {
            LoraLayer layer = lora.layer(Q);
            LoraLayer noDropout = new LoraLayer(Q, layer.loraA(), layer.loraB(), layer.scaling(), 0.0);
            NDArray x = NdArrays.createFloat32(step, new Shape(4, 8, 16), randomInput(4 * 8 * 16, 3));
            float[] eval = layer.delta(x, false).toFloatArray();
            assertArrayEquals(noDropout.delta(x, false).toFloatArray(), eval);
            float[] train1 = layer.delta(x, true).toFloatArray();
            float[] train2 = layer.delta(x, true).toFloatArray();
            assertFalse(Arrays.equals(eval, train1));
            assertFalse(Arrays.equals(train1, train2));
            // The delta is linear in x: with dropout(x) = m ⊙ x / (1 - p), averaging over masks gives back eval.
            double[] mean = new double[eval.length];
            int draws = 100;
            for (int d = 0; d < draws; d++) {
                float[] t = layer.delta(x, true).toFloatArray();
                for (int i = 0; i < t.length; i++) {
                    mean[i] += t[i] / (double) draws;
                }
            }
            double err = 0;
            double norm = 0;
            for (int i = 0; i < eval.length; i++) {
                err += (mean[i] - eval[i]) * (mean[i] - eval[i]);
                norm += (double) eval[i] * eval[i];
            }
            // One draw deviates from eval by about |eval| (p = 0.5 doubles or zeroes each input), so the mean of 100
            // draws is off by about 0.1 · |eval| (measured: 0.04-0.05 at 400 draws); a norm over 512 outputs hardly
            // fluctuates, so 0.25 cannot fail by chance, while a missing 1/(1-p) rescaling gives 0.5.
            assertTrue(Math.sqrt(err / norm) < 0.25, "relative error " + Math.sqrt(err / norm));
        }
    }

    @Test
    void deltaBelongsToTheStepManagerNotTheAdapter() {
        try (LoraModel lora = LoraModel.create(base, config().build(), 1, manager)) {
            NDManager adapterManager = lora.layer(Q).loraA().getManager();
            int before = adapterManager.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.ones(new Shape(1, 2, 16));
                    NDArray d = lora.delta(Q, x, ForwardContext.inference(step));
                    assertSame(step, d.getManager());
                }
            }
            assertEquals(before, adapterManager.getManagedArrays().size());
        }
    }
}
