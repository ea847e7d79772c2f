package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW against torch.optim.AdamW trajectories (tools/reference/make_adamw_reference.py, torch 1.13): a changing
 * learning rate, clip scales on the gradient, weight decay on and off, a zero parameter and a zero gradient.
 */
class AdamWTest {

    private static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) a.get(i).asDouble();
        }
        return f;
    }

    @Test
    void matchesTorchAdamW() throws Exception {
        JsonNode root = new ObjectMapper().readTree(
                Path.of(AdamWTest.class.getResource("/reference/train/adamw_torch.json").toURI()).toFile());
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            String name = c.get("name").asText();
            Shape shape = new Shape(c.get("shape").get(0).asLong(), c.get("shape").get(1).asLong());
            try (NDManager m = NDManager.newBaseManager();
                    AdamW opt = new AdamW(m, c.get("beta1").asDouble(), c.get("beta2").asDouble(),
                            c.get("eps").asDouble(), c.get("weight_decay").asDouble())) {
                NDArray p = m.create(floats(c.get("param0")), shape);
                p.setRequiresGradient(true);
                int step = 0;
                for (JsonNode s : c.get("steps")) {
                    step++;
                    NDArray g = m.create(floats(s.get("grad")), shape);
                    // d/dp sum(p·g) = g: the gradient arrives exactly as torch saw it
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(p.mul(g).sum());
                    }
                    opt.update(Map.of("p", p), s.get("lr").asDouble(), s.get("scale").asDouble());
                    JniUtils.zeroGrad((PtNDArray) p);
                    float[] want = floats(s.get("param_after"));
                    float[] got = p.toFloatArray();
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])),
                                name + " step " + step + " element " + i);
                        checked++;
                    }
                }
                assertEquals(step, opt.step());
                // the state is exposed under torch-like names for checkpoints
                assertEquals(2, opt.state().size());
            }
        }
        assertEquals(6 * (5 + 6 + 4), checked);
    }

    @Test
    void restoredStateContinuesTheSameTrajectory() throws Exception {
        // 3 updates, save state, 2 more; against a fresh optimizer restored after update 3
        float[] p0 = {0.5f, -1f, 2f};
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {0.05f, 0f, -0.1f}, {-0.3f, 0.1f, 0.2f}, {0.2f, 0.2f, -0.2f},
            {0.01f, -0.5f, 0f}};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(p0);
            a.setRequiresGradient(true);
            NDArray b;
            try (AdamW optA = new AdamW(m, 0.9, 0.999, 1e-8, 0.01)) {
                for (int i = 0; i < 3; i++) {
                    applyGradient(a, grads[i], optA, m);
                }
                b = m.create(a.toFloatArray());
                b.setRequiresGradient(true);
                Map<String, float[]> state = new java.util.LinkedHashMap<>();
                optA.state().forEach((k, v) -> state.put(k, v.toFloatArray()));
                try (AdamW optB = new AdamW(m, 0.9, 0.999, 1e-8, 0.01)) {
                    optB.restore(optA.step(), state, Map.of("p", b));
                    for (int i = 3; i < 5; i++) {
                        applyGradient(a, grads[i], optA, m);
                        applyGradient(b, grads[i], optB, m);
                    }
                }
            }
            float[] fa = a.toFloatArray();
            float[] fb = b.toFloatArray();
            for (int i = 0; i < fa.length; i++) {
                assertEquals(Float.floatToIntBits(fa[i]), Float.floatToIntBits(fb[i]), "element " + i);
            }
        }
    }

    private static void applyGradient(NDArray p, float[] grad, AdamW opt, NDManager m) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(p.mul(m.create(grad)).sum());
        }
        opt.update(Map.of("p", p), 1e-2, 1.0);
        JniUtils.zeroGrad((PtNDArray) p);
    }
}
