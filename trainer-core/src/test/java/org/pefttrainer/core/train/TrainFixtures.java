package org.pefttrainer.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.t5.T5Config;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.testing.TinyT5;

/** A tiny T5, a fixed toy task and a full-model Trainable for the training tests. */
final class TrainFixtures {
    /** 2+2 layers, gated-gelu, untied, dropout 0.1 (so that the per-step RNG seeding is exercised). */
    static final T5Config CONFIG = TinyT5.config(24, 16, 4, 2, 32, 2, 2, true, false, 0.1);

    /**
     * Eight (source → target) pairs: the target is the source's words reversed, then EOS (1). Source lengths
     * 3,4,5,6 then 6,5,4,3, so both halves hold 18 target tokens (gradient accumulation compares equal halves).
     */
    static final long[][] SOURCES = {
        {5, 6, 1}, {7, 8, 9, 1}, {10, 11, 12, 13, 1}, {14, 15, 16, 17, 18, 1},
        {19, 20, 21, 22, 23, 1}, {3, 9, 15, 21, 1}, {4, 12, 20, 1}, {22, 6, 1}};

    private TrainFixtures() {}

    static long[] target(long[] source) {
        long[] t = new long[source.length];
        for (int i = 0; i < source.length - 1; i++) {
            t[i] = source[source.length - 2 - i];
        }
        t[source.length - 1] = 1;
        return t;
    }

    /** One padded batch of the given pairs: pad 0, labels -100 on padding, decoder inputs = labels shifted right. */
    static TrainBatch batch(List<long[]> sources) {
        int s = sources.stream().mapToInt(a -> a.length).max().orElse(0);
        int t = s;
        long[][] ids = new long[sources.size()][s];
        long[][] mask = new long[sources.size()][s];
        long[][] dec = new long[sources.size()][t];
        long[][] labels = new long[sources.size()][t];
        List<String> names = new ArrayList<>();
        for (int r = 0; r < sources.size(); r++) {
            long[] src = sources.get(r);
            long[] tgt = target(src);
            Arrays.fill(labels[r], -100);
            for (int i = 0; i < src.length; i++) {
                ids[r][i] = src[i];
                mask[r][i] = 1;
            }
            for (int i = 0; i < tgt.length; i++) {
                labels[r][i] = tgt[i];
                if (i + 1 < t) {
                    dec[r][i + 1] = tgt[i];
                }
            }
            names.add("ex" + Arrays.toString(src));
        }
        return new TrainBatch(ids, mask, dec, labels, names);
    }

    /** The pairs in batches of {@code size}, in an order shuffled per epoch from (seed, epoch), or fixed. */
    static BatchPlan plan(int size, boolean shuffle) {
        return epoch -> {
            List<long[]> pairs = new ArrayList<>(Arrays.asList(SOURCES));
            if (shuffle) {
                Collections.shuffle(pairs, new Random(1000L + epoch));
            }
            List<TrainBatch> out = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i += size) {
                out.add(batch(pairs.subList(i, Math.min(i + size, pairs.size()))));
            }
            return out;
        };
    }

    static Path writeModel(Path dir, long seed) {
        return TinyT5.write(dir, CONFIG, seed, DType.F32, 0);
    }

    static T5Model load(Path folder, NDManager parent, Double dropout) {
        return T5Loader.load(HfModelFolder.open(folder), parent.newSubManager(), dropout);
    }

    /** Every weight of the base model trains (what a full fine-tune is), saved as model.safetensors. */
    static final class FullModel implements Trainable {
        private final Map<String, NDArray> params;
        private final LinearHook hook;

        FullModel(T5Model model, LinearHook hook) {
            this.params = new LinkedHashMap<>(model.weights().arrays());
            params.values().forEach(a -> a.setRequiresGradient(true));
            this.hook = hook;
        }

        @Override
        public Map<String, NDArray> parameters() {
            return params;
        }

        @Override
        public ForwardContext attach(ForwardContext ctx) {
            return ctx.withHooks(hook, null, null);
        }

        @Override
        public void saveTo(Path dir) {
            SafetensorsWriter w = new SafetensorsWriter();
            params.forEach((name, a) -> w.addFloats(name, DType.F32, a.getShape().getShape(),
                    () -> FloatBuffer.wrap(a.toFloatArray())));
            w.write(dir.resolve(HfModelFolder.SINGLE_WEIGHTS));
        }

        @Override
        public String describe() {
            return "full model";
        }

        Map<String, float[]> snapshot() {
            Map<String, float[]> out = new LinkedHashMap<>();
            params.forEach((k, v) -> out.put(k, v.toFloatArray()));
            return out;
        }
    }

    /** TrainerSettings with test defaults, changed field by field. */
    static final class Settings {
        int epochs = 1;
        int maxSteps = -1;
        int gradAccumSteps = 1;
        double maxGradNorm = 1.0;
        double lr = 1e-2;
        double weightDecay = 0.0;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        LrSchedule.Kind schedule = LrSchedule.Kind.LINEAR;
        int warmupSteps = 2;
        double warmupRatio = 0;
        double finalLr = 0;
        long seed = 42;
        int logEvery = 1;
        boolean checkpointEveryEpoch = true;
        int keepCheckpoints = 0;
        TrainerSettings.NonfinitePolicy nonfinite = TrainerSettings.NonfinitePolicy.STOP;
        int maxNonfiniteSkips = 3;
        String bestMetric = null;
        boolean gradientCheckpointing = false;

        TrainerSettings build() {
            return new TrainerSettings(epochs, maxSteps, gradAccumSteps, maxGradNorm, lr, weightDecay, beta1, beta2, eps,
                    schedule, warmupSteps, warmupRatio, finalLr, seed, logEvery, checkpointEveryEpoch, keepCheckpoints,
                    nonfinite, maxNonfiniteSkips, bestMetric, 0, 0, gradientCheckpointing);
        }
    }

    /** metrics.jsonl, one object per line. */
    static List<ObjectNode> metrics(Path runDir) {
        try {
            List<ObjectNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
                out.add((ObjectNode) Json.MAPPER.readTree(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines without their wall-clock field (tokens/s), which no two runs share. */
    static List<JsonNode> withoutTiming(List<ObjectNode> lines) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode l : lines) {
            ObjectNode c = l.deepCopy();
            c.remove("tokens_per_s");
            out.add(c);
        }
        return out;
    }

    static List<Double> stepLosses(List<ObjectNode> lines) {
        List<Double> out = new ArrayList<>();
        for (ObjectNode l : lines) {
            if (l.get("type").asText().equals("step")) {
                out.add(l.get("step_loss").asDouble());
            }
        }
        return out;
    }
}
