package org.pefttrainer.cli.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.model.init.RandomT5Weights;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Model;

/** Random-weight models of a real shape, made in memory (no checkpoint on disk) for benchmarks. */
public final class BenchModels {
    private BenchModels() {}

    /** A T5 with transformers' init distributions, drawn by torch's generator seeded with {@code seed}. */
    public static T5Model randomT5(T5Config c, NDManager manager, int seed) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(seed);
        Weights w = new Weights(manager);
        for (Map.Entry<String, long[]> e : T5Architecture.parameterShapes(c).entrySet()) {
            double std = RandomT5Weights.std(c, e.getKey());
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

    /** Peak resident set size of this process (VmHWM), in MiB. */
    public static double peakRssMib() {
        return procStatus("VmHWM:");
    }

    public static double rssMib() {
        return procStatus("VmRSS:");
    }

    private static double procStatus(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException e) {
            // not Linux: no figure
        }
        return Double.NaN;
    }
}
