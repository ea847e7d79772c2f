package org.pefttrainer.core.model.t5;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.model.Weights;

/**
 * Random T5 weights with transformers' T5PreTrainedModel._init_weights distributions (initializer_factor 1):
 * embeddings N(0, 1), q N(0, (d_model·d_kv)^-½), k/v N(0, d_model^-½), o N(0, (heads·d_kv)^-½), relative bias
 * N(0, d_model^-½), wi N(0, d_model^-½), wo N(0, d_ff^-½), layer norms 1. Each tensor has its own generator seeded
 * from (seed, name), so values do not depend on write order or sharding.
 */
public final class T5RandomWeights {
    private T5RandomWeights() {}

    public static List<HfCheckpointWriter.Tensor> tensors(T5Config c, long seed) {
        List<HfCheckpointWriter.Tensor> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : T5Architecture.parameterShapes(c).entrySet()) {
            String name = e.getKey();
            double std = std(c, name);
            out.add(new HfCheckpointWriter.Tensor(name, e.getValue(), () -> values(e.getValue(), std, seed, name)));
        }
        return out;
    }

    /**
     * The same distributions drawn straight into a loaded model (torch's generator seeded with {@code seed}), with no
     * checkpoint on disk: for benchmarks of real shapes.
     */
    public static T5Model inMemory(T5Config c, NDManager manager, int seed) {
        Engine.getInstance().setRandomSeed(seed);
        Weights w = new Weights(manager);
        for (Map.Entry<String, long[]> e : T5Architecture.parameterShapes(c).entrySet()) {
            double std = std(c, e.getKey());
            Shape shape = new Shape(e.getValue());
            w.put(e.getKey(), Double.isNaN(std) ? manager.ones(shape, DataType.FLOAT32)
                    : manager.randomNormal(0f, (float) std, shape, DataType.FLOAT32));
        }
        w.alias("encoder.embed_tokens.weight", "shared.weight");
        w.alias("decoder.embed_tokens.weight", "shared.weight");
        if (c.tieWordEmbeddings()) {
            w.alias("lm_head.weight", "shared.weight");
        }
        return new T5Model(c, w);
    }

    /** The init standard deviation of a parameter, or NaN for the layer norms (filled with ones). */
    public static double std(T5Config c, String name) {
        if (name.contains("layer_norm")) {
            return Double.NaN;
        }
        if (name.equals("shared.weight") || name.equals("lm_head.weight")) {
            return 1.0;
        }
        if (name.contains("relative_attention_bias")) {
            return Math.pow(c.dModel(), -0.5);
        }
        if (name.endsWith(".q.weight")) {
            return Math.pow((double) c.dModel() * c.dKv(), -0.5);
        }
        if (name.endsWith(".k.weight") || name.endsWith(".v.weight")) {
            return Math.pow(c.dModel(), -0.5);
        }
        if (name.endsWith(".o.weight")) {
            return Math.pow((double) c.numHeads() * c.dKv(), -0.5);
        }
        if (name.endsWith(".wo.weight")) {
            return Math.pow(c.dFf(), -0.5);
        }
        if (name.contains(".wi")) {
            return Math.pow(c.dModel(), -0.5);
        }
        throw new IllegalArgumentException("no init rule for " + name);
    }

    private static FloatBuffer values(long[] shape, double std, long seed, String name) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        if (Double.isNaN(std)) {
            java.util.Arrays.fill(v, 1f);
        } else {
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (rng.nextGaussian() * std);
            }
        }
        return FloatBuffer.wrap(v);
    }
}
