package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.core.testing.TinyT5;
import org.pefttrainer.core.train.TrainFixtures.FullModel;

/**
 * 300 training steps keep the number of live NDArrays constant after warm-up (every step's arrays are closed with
 * its manager) and the resident set flat (no native memory growing per step). The model is small but not minute
 * (about 330k parameters, 1.3 MB): leaking one set of gradients or optimizer temporaries per step would add 260 MB
 * between step 100 and 300. RSS is read after System.gc() and counted without the committed Java heap, whose size
 * the JVM changes at will.
 */
class TrainingMemoryTest {
    private static final long MB = 1024 * 1024;

    @TempDir
    Path dir;

    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @ParameterizedTest(name = "gradient checkpointing {0}")
    @ValueSource(booleans = {false, true})
    void liveArraysAndRssStayFlatOver300Steps(boolean gradientCheckpointing) {
        Path model = TinyT5.write(dir.resolve("model"), TinyT5.config(256, 64, 16, 4, 256, 2, 2, true, false, 0.1), 3,
                DType.F32, 0);
        Map<Long, Integer> arrays = new TreeMap<>();
        Map<Long, Long> rss = new TreeMap<>();
        try (NDManager root = NDManager.newBaseManager()) {
            T5Model t5 = TrainFixtures.load(model, root, null);
            FullModel trainable = new FullModel(t5, null);
            TrainFixtures.Settings s = new TrainFixtures.Settings();
            s.maxSteps = 300;
            s.lr = 1e-3;
            s.checkpointEveryEpoch = false;
            s.gradientCheckpointing = gradientCheckpointing;
            TrainProgress probe = new TrainProgress() {
                @Override public void start(long totalSteps, long doneSteps) {}
                @Override public void message(String line) {}
                @Override public void close() {}

                @Override
                public void step(long done, double loss, double lr, double tokensPerSecond) {
                    if (done == 1 || done % 25 == 0) {
                        arrays.put(done, ((BaseNDManager) root).getManagedArrays().size());
                        System.gc();
                        rss.put(done, rssBytes() - Runtime.getRuntime().totalMemory());
                    }
                }
            };
            Trainer.Result r = new Trainer(s.build(), t5, trainable, TrainFixtures.plan(4, true), dir.resolve("run"),
                    List.of(), probe, null).train(false);
            assertEquals(300, r.globalStep(), r.message());
        }
        System.out.println("TrainingMemoryTest: live NDArrays by step " + arrays);
        StringBuilder sb = new StringBuilder();
        rss.forEach((k, v) -> sb.append(k).append('=').append(String.format("%.1f", v / (double) MB)).append("MB "));
        System.out.println("TrainingMemoryTest: RSS minus committed heap by step " + sb);
        int atHundred = arrays.get(100L);
        for (long step = 100; step <= 300; step += 25) {
            assertEquals(atHundred, arrays.get(step), "live arrays at step " + step + " vs step 100: " + arrays);
        }
        // allocator noise moves single readings by ±10 MB: compare the mean of three readings at each end
        double early = (rss.get(100L) + rss.get(125L) + rss.get(150L)) / 3.0;
        double late = (rss.get(250L) + rss.get(275L) + rss.get(300L)) / 3.0;
        System.out.printf("TrainingMemoryTest: RSS growth from steps 100-150 to 250-300: %.1f MB%n", (late - early) / MB);
        assertTrue(late - early < 20 * MB, "RSS grew by " + (late - early) / MB + " MB between steps 100-150 and 250-300");
    }
}
