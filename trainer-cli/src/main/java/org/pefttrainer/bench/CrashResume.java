package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;

/**
 * Crash safety of training, with real processes: {@code peft train} runs in a child JVM that is killed with SIGKILL
 * (kill -9) at random moments: at a random time, while a checkpoint folder is being written (its temporary folder
 * exists), or just after a metrics line. Each time {@code peft train --resume} continues it, until the run ends.
 * The result must equal an uninterrupted run's: the same metrics.jsonl lines (timing fields aside) and the same
 * adapter bytes.
 */
public final class CrashResume {
    /** Fields of metrics.jsonl that measure time, not training. */
    static final List<String> TIMING = List.of("tokens_per_s", "eval_seconds");

    /** One kill: how it was aimed and what the run folder held at that moment. */
    public record Kill(int attempt, String aim, long afterMillis, String lastMetric, boolean checkpointBeingWritten) {}

    public record Report(List<Kill> kills, int attempts, boolean metricsEqual, boolean adapterEqual,
            int metricLines, String difference, double seconds) {

        public boolean ok() {
            return metricsEqual && adapterEqual;
        }
    }

    private final Path work;
    private final Path dataDir;
    private final PrintWriter log;

    /**
     * @param work    an empty folder for the model, the config and the two runs
     * @param dataDir a dialogue dataset folder (DialogSum layout), e.g. the project's data/dialogues
     */
    public CrashResume(Path work, Path dataDir, PrintWriter log) {
        this.work = work;
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.log = log;
    }

    /** Kills the run {@code kills} times (fewer if it ends first) over {@code epochs} epochs of 6 updates. */
    public Report run(int kills, int epochs, long seed) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path config = prepare(epochs);
        Path reference = work.resolve("runs/reference");
        Process ref = start(List.of("train", config.toString(), "run.name=reference"), "reference");
        if (!ref.waitFor(20, TimeUnit.MINUTES) || ref.exitValue() != 0) {
            throw new IllegalStateException("the uninterrupted run failed; see " + work.resolve("reference.log"));
        }
        long refMillis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
        Path killed = work.resolve("runs/killed");
        Random rnd = new Random(seed);
        List<Kill> done = new ArrayList<>();
        int attempt = 0;
        boolean finished = false;
        while (!finished) {
            attempt++;
            // Killed before it saved config.conf, the run has nothing to resume: the original command again.
            List<String> args = !Files.isRegularFile(killed.resolve("config.conf"))
                    ? List.of("train", config.toString(), "run.name=killed")
                    : List.of("train", "--resume", killed.toString());
            Process p = start(args, "attempt-" + attempt);
            if (done.size() >= kills) {
                if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException("the last resume failed; see " + work.resolve("attempt-"
                            + attempt + ".log"));
                }
                finished = true;
                continue;
            }
            Kill k = killSomewhere(p, killed, attempt, rnd, refMillis);
            if (k == null) { // the process ended before the kill: the run is complete
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("attempt " + attempt + " failed; see " + work.resolve("attempt-"
                            + attempt + ".log"));
                }
                finished = true;
            } else {
                done.add(k);
                log.printf(Locale.ROOT, "  kill %d: attempt %d, %s, after %d ms, last metric %s%s%n", done.size(),
                        attempt, k.aim(), k.afterMillis(), k.lastMetric(), k.checkpointBeingWritten()
                                ? ", a checkpoint was being written" : "");
                log.flush();
            }
        }
        List<JsonNode> a = metrics(reference);
        List<JsonNode> b = metrics(killed);
        byte[] adapterA = Files.readAllBytes(reference.resolve("adapter/adapter_model.safetensors"));
        byte[] adapterB = Files.readAllBytes(killed.resolve("adapter/adapter_model.safetensors"));
        String diff = null;
        if (!a.equals(b)) {
            for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
                JsonNode x = i < a.size() ? a.get(i) : null;
                JsonNode y = i < b.size() ? b.get(i) : null;
                if (x == null || !x.equals(y)) {
                    diff = "metrics line " + (i + 1) + ": uninterrupted " + x + ", killed " + y;
                    break;
                }
            }
        }
        return new Report(done, attempt, a.equals(b), Arrays.equals(adapterA, adapterB), a.size(), diff,
                (System.nanoTime() - t0) / 1e9);
    }

    /** The tiny model and a config with checkpoints every 2 updates, so kills often meet a checkpoint write. */
    private Path prepare(int epochs) throws IOException {
        Path model = work.resolve("model");
        if (!Files.isDirectory(model)) {
            ModelInitializer.initialize(model, "t5", "tiny",
                    ModelInitializer.TokenizerSource.build(List.of(dataDir.resolve("train.jsonl")), 800), 11, DType.F32,
                    0, true);
        }
        Path config = work.resolve("crash.conf");
        Files.writeString(config, String.join("\n",
                "# written by CrashResume: paths are relative to this folder",
                "run.output_dir = runs",
                "model.path = model",
                "device = cpu",
                "peft { method = lora, lora { target_modules = all-linear, r = 8, alpha = 16 } }",
                "data { format = dialogsum, path = " + Json.MAPPER.valueToTree(dataDir.toString())
                        + ", train_subset = 48, validation_subset = 4, max_source_length = 64, max_target_length = 24 }",
                "train { epochs = " + epochs + ", batch_size = 8, log_every = 1, checkpoint_every_steps = 2,"
                        + " keep_checkpoints = 1 }",
                "optim.lr = 3e-3",
                "eval { bootstrap.samples = 10, report = true }",
                "generation { max_new_tokens = 8 }",
                ""));
        return config;
    }

    private Process start(List<String> args, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(PeftChild.command(List.of("-Xmx1g"), args)).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile());
        pb.environment().put("PEFT_PROGRESS", "lines");
        return pb.start();
    }

    /** Kills {@code p} at a moment picked by {@code rnd}; null when it ended first. */
    private Kill killSomewhere(Process p, Path runDir, int attempt, Random rnd, long refMillis)
            throws InterruptedException {
        long start = System.nanoTime();
        // The aims take turns (after a metrics line, during a checkpoint write, at a random time), so that every
        // attempt is killed while the run lasts, however fast or loaded the machine is.
        int aim = (2 + 2 * (attempt - 1)) % 3;
        // a random time within the first third of an uninterrupted run (startup, data, the first steps), at most 3 s
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(1 + (long) (rnd.nextDouble() * Math.min(3000,
                refMillis / 3)));
        long metricsAtStart = size(runDir.resolve("metrics.jsonl"));
        boolean leftOver = writingCheckpoint(runDir); // a temporary folder an earlier kill left (cleaned on resume)
        int skipWrites = rnd.nextInt(3); // which checkpoint write of this attempt to hit
        boolean sawTemp = false;
        while (p.isAlive()) {
            boolean temp = writingCheckpoint(runDir);
            boolean fire = switch (aim) {
                case 0 -> System.nanoTime() >= deadline;
                case 1 -> {
                    if (temp && !sawTemp && skipWrites-- <= 0) {
                        yield true;
                    }
                    sawTemp = temp;
                    yield false;
                }
                default -> size(runDir.resolve("metrics.jsonl")) > metricsAtStart;
            };
            if (fire) {
                boolean during = writingCheckpoint(runDir);
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no Ctrl-C checkpoint
                p.waitFor();
                return new Kill(attempt, switch (aim) {
                    case 0 -> "at a random time";
                    case 1 -> "while a checkpoint is written";
                    default -> "after a metrics line";
                }, (System.nanoTime() - start) / 1_000_000, lastMetric(runDir), aim == 1 || (during && !leftOver));
            }
            Thread.sleep(0, 200_000);
        }
        return null;
    }

    private static boolean writingCheckpoint(Path runDir) {
        if (!Files.isDirectory(runDir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(runDir)) {
            return s.anyMatch(f -> {
                String n = f.getFileName().toString();
                return n.startsWith(".") && n.contains(".tmp-");
            });
        } catch (IOException | UncheckedIOException e) {
            return false; // listing raced with a rename
        }
    }

    private static long size(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.size(f) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String lastMetric(Path runDir) {
        try {
            Path f = runDir.resolve("metrics.jsonl");
            if (!Files.isRegularFile(f)) {
                return "none";
            }
            List<String> lines = Files.readAllLines(f);
            for (int i = lines.size() - 1; i >= 0; i--) {
                try {
                    JsonNode n = Json.MAPPER.readTree(lines.get(i));
                    return n.path("type").asText().equals("epoch") ? "end of epoch " + n.path("epoch").asText()
                            + " (step " + n.path("step").asText() + ")" : "step " + n.path("step").asText();
                } catch (IOException e) {
                    // a half-written last line
                }
            }
            return "none";
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static List<JsonNode> metrics(Path runDir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            ObjectNode n = (ObjectNode) Json.MAPPER.readTree(line);
            TIMING.forEach(n::remove);
            out.add(n);
        }
        return out;
    }
}
