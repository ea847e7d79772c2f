package org.pefttrainer.core.model;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;

/**
 * transformers' default _init_weights for decoder-only families: normal(0, initializer_range) for every weight and
 * embedding, norms 1, biases 0. Each tensor draws from its own generator seeded from (seed, position), so values do
 * not depend on write order or sharding.
 */
public final class NormalInit {
    private NormalInit() {}

    public static List<HfCheckpointWriter.Tensor> tensors(ModelLayout layout, double std, long seed) {
        List<HfCheckpointWriter.Tensor> tensors = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, long[]> e : layout.parameterShapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            long seedOf = seed * 1_000_003L + k++;
            tensors.add(new HfCheckpointWriter.Tensor(name, shape, () -> values(name, shape, std, seedOf)));
        }
        return tensors;
    }

    private static FloatBuffer values(String name, long[] shape, double std, long seed) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        boolean norm = name.contains("norm") || name.contains(".ln_");
        if (norm && name.endsWith(".weight")) {
            java.util.Arrays.fill(v, 1f);
        } else if (!name.endsWith(".bias")) {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (gaussian(r) * std);
            }
        }
        return FloatBuffer.wrap(v);
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
