package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.EncoderOutput;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.model.Weights;

/**
 * Global-norm clipping through the trainer on a model whose gradient is known in closed form: the logits are
 * {@code 10·[a; b]} for two parameter tensors a (2 values) and b (3 values), and the loss is the cross-entropy of
 * label 2, so dL/d[a;b] = 10·(softmax(10·[a;b]) - onehot(2)). torch.nn.utils.clip_grad_norm_ semantics: the total
 * norm is the 2-norm over all gradients together; they are multiplied by max_norm / (total_norm + 1e-6) when that is
 * below 1; the returned (logged) norm is the one before clipping. With AdamW at β1 = β2 = 0, eps = 1, lr = 1 and no
 * decay, the first update is exactly p -= g'/(|g'| + 1) for the clipped gradient g', which exposes g'.
 */
class GradientClippingTest {
    @TempDir
    Path dir;

    private static final float[] A0 = {0.3f, -0.2f};
    private static final float[] B0 = {0.1f, 0.05f, -0.4f};

    /** A Seq2SeqLM whose logits are 10·[a; b], shape [1, 1, 5]. */
    private static final class Linear5 implements Seq2SeqLM {
        final NDArray a;
        final NDArray b;

        Linear5(NDArray a, NDArray b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public NDArray forward(ForwardContext ctx, NDArray inputIds, NDArray mask, NDArray decoderInputIds) {
            NDManager m = ctx.manager();
            NDArray za = m.zeros(new Shape(2)).add(a);
            NDArray zb = m.zeros(new Shape(3)).add(b);
            return za.concat(zb).mul(10f).reshape(1, 1, 5);
        }

        @Override public String architecture() { return "test"; }
        @Override public int vocabSize() { return 5; }
        @Override public int hiddenSize() { return 1; }
        @Override public int padTokenId() { return 0; }
        @Override public int eosTokenId() { return 1; }
        @Override public int decoderStartTokenId() { return 0; }
        @Override public int numDecoderLayers() { return 0; }
        @Override public int numHiddenLayers() { return 0; }
        @Override public int numAttentionHeads() { return 1; }
        @Override public Weights weights() { return null; }
        @Override public List<String> linearModules() { return List.of(); }
        @Override public String inputEmbeddingName() { return "a"; }
        @Override public EncoderOutput encode(ForwardContext ctx, NDArray ids, NDArray mask) { throw new UnsupportedOperationException(); }
        @Override public NDArray decode(ForwardContext ctx, EncoderOutput e, NDArray ids, DecoderCache c) { throw new UnsupportedOperationException(); }
    }

    /** The hand gradient of the loss with respect to [a; b]. */
    private static double[] gradient() {
        double[] z = new double[5];
        for (int i = 0; i < 2; i++) {
            z[i] = 10 * A0[i];
        }
        for (int i = 0; i < 3; i++) {
            z[2 + i] = 10 * B0[i];
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        double[] g = new double[5];
        for (int i = 0; i < 5; i++) {
            g[i] = 10 * (Math.exp(z[i] - max) / sum - (i == 2 ? 1 : 0));
        }
        return g;
    }

    /** Runs one update with clipping at {@code maxNorm} (0: off); returns [a; b] after it and the logged norm. */
    private double[] oneUpdate(double maxNorm, String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(A0);
            NDArray b = m.create(B0);
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("a", a);
            params.put("b", b);
            params.values().forEach(p -> p.setRequiresGradient(true));
            Trainable trainable = new Trainable() {
                @Override public Map<String, NDArray> parameters() { return params; }
                @Override public ForwardContext attach(ForwardContext ctx) { return ctx; }
                @Override public void saveTo(Path d) {}
                @Override public String describe() { return "a, b"; }
            };
            TrainFixtures.Settings s = new TrainFixtures.Settings();
            s.maxSteps = 1;
            s.maxGradNorm = maxNorm;
            s.lr = 1;
            s.beta1 = 0;
            s.beta2 = 0;
            s.eps = 1;
            s.schedule = LrSchedule.Kind.CONSTANT;
            s.warmupSteps = 0;
            s.checkpointEveryEpoch = false;
            TrainBatch batch = new TrainBatch(new long[][] {{1}}, new long[][] {{1}}, new long[][] {{0}},
                    new long[][] {{2}}, List.of("x"));
            Path run = dir.resolve(name);
            new Trainer(s.build(), new Linear5(a, b), trainable, epoch -> List.of(batch), run, List.of(),
                    TrainProgress.NONE, null).train(false);
            ObjectNode line = TrainFixtures.metrics(run).get(0);
            float[] fa = a.toFloatArray();
            float[] fb = b.toFloatArray();
            return new double[] {fa[0], fa[1], fb[0], fb[1], fb[2], line.get("grad_norm").asDouble()};
        }
    }

    private void check(double maxNorm, String name) {
        double[] g = gradient();
        double norm = 0;
        for (double v : g) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        double coef = maxNorm > 0 ? Math.min(1.0, maxNorm / (norm + 1e-6)) : 1.0;
        double[] got = oneUpdate(maxNorm, name);
        double[] p0 = {A0[0], A0[1], B0[0], B0[1], B0[2]};
        for (int i = 0; i < 5; i++) {
            double clipped = g[i] * coef;
            double expected = p0[i] - clipped / (Math.abs(clipped) + 1);
            assertEquals(expected, got[i], 1e-6, name + " parameter " + i);
        }
        assertEquals(norm, got[5], 1e-5 * norm, name + " logged norm (before clipping)");
    }

    @Test
    void clipsToMaxNormOverAllTensorsTogether() {
        // |g| is about 13.6 here: max_norm 1 scales every element by 1/13.6, across both tensors
        check(1.0, "clip1");
        check(5.0, "clip5");
    }

    @Test
    void leavesGradientsBelowTheThresholdAlone() {
        check(100.0, "noclip");
        check(0.0, "off");
    }
}
