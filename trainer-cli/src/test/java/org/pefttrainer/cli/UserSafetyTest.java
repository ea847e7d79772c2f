package org.pefttrainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.train.CheckpointState;
import org.pefttrainer.core.train.RunLock;
import picocli.CommandLine;

/**
 * Issue 25's list, replayed: the ways an ordinary (if hostile) user could destroy or corrupt work, get a stack trace,
 * or get a silently wrong result. Each test first does what the issue reproduced and checks the answer now: a
 * one-line error naming the file, key or tensor, with nothing already written touched.
 */
class UserSafetyTest {
    static final String CORPUS = "../data/dialogues/train.jsonl";
    @TempDir static Path dir;
    static Path model;
    static Path gpt2;
    static Path data;
    static Path runs;
    static Path run;

    record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }

        /** A user error: exit 2 and one line "error: ..." on stderr containing every part. */
        void refused(String... parts) {
            assertEquals(2, exit, all());
            List<String> lines = err.lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, lines.size(), err);
            assertFalse(err.contains("\tat "), "no stack trace: " + err);
            for (String p : parts) {
                assertTrue(lines.get(0).contains(p), "'" + p + "' in: " + lines.get(0));
            }
        }

        void ok() {
            assertEquals(0, exit, all());
        }
    }

    /** The command line in-process, stdout and stderr (the progress and warnings go there) captured. */
    static Run peft(Object... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream errStream = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(errStream, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PeftCli.commandLine();
            cl.setErr(new PrintWriter(err, true));
            String[] a = Stream.of(args).map(String::valueOf).toArray(String[]::new);
            int code = cl.execute(a);
            return new Run(code, out.toString(StandardCharsets.UTF_8),
                    errStream.toString(StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static List<Object> trainArgs(String name, Object... extra) {
        List<Object> a = new ArrayList<>(List.of("train", "../configs/default.conf", "model.path=" + model,
                "train.batch_size=2", "train.epochs=2", "eval.every_epoch=false", "data.format=jsonl",
                "data.path=" + data, "run.output_dir=" + runs, "run.name=" + name));
        a.addAll(List.of(extra));
        return a;
    }

    static Run train(String name, Object... extra) {
        return peft(trainArgs(name, extra).toArray());
    }

    @BeforeAll
    static void setUp() throws IOException {
        model = dir.resolve("llama");
        peft("init-model", "--arch", "llama", "--corpus", CORPUS, "--out", model).ok();
        gpt2 = dir.resolve("gpt2");
        peft("init-model", "--arch", "gpt2", "--corpus", CORPUS, "--out", gpt2).ok();
        data = dir.resolve("few.jsonl");
        Files.write(data, Files.readAllLines(Path.of(CORPUS)).subList(0, 3));
        runs = dir.resolve("runs");
        train("rr").ok();
        run = runs.resolve("rr");
    }

    /** Every file of a folder with its bytes, to show that nothing in it changed. */
    static Map<String, String> snapshot(Path folder) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile).sorted()::iterator) {
                if (!p.getFileName().toString().equals(RunLock.FILE)) {
                    m.put(folder.relativize(p).toString(), java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    // ---- work destroyed or corrupted

    @Test
    void mergeNeverWritesIntoOverOrInsideItsInputsOrARun() throws IOException {
        Map<String, String> before = snapshot(run);
        Path adapter = run.resolve("adapter");
        peft("merge", "--base", model, "--adapter", adapter, "--out", run, "--force")
                .refused("--out " + run, "contains the input --adapter");
        peft("merge", "--base", model, "--adapter", adapter, "--out", adapter, "--force")
                .refused("is the input --adapter");
        peft("merge", "--base", model, "--adapter", adapter, "--out", run.resolve("merged"))
                .refused("inside the training run folder");
        peft("merge", "--base", model, "--adapter", adapter, "--out", model.resolve("sub"), "--force")
                .refused("inside the input --base");
        assertEquals(before, snapshot(run));

        // --force replaces only a folder peft wrote, of the same kind, never a file.
        Path merged = dir.resolve("merged");
        peft("merge", "--base", model, "--adapter", adapter, "--out", merged).ok();
        assertEquals("merged-model", Json.read(merged.resolve(OutputTarget.MARKER)).get("kind").asText());
        peft("merge", "--base", model, "--adapter", adapter, "--out", merged).refused("already exists");
        peft("merge", "--base", model, "--adapter", adapter, "--out", merged, "--force").ok();
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("notes.txt"), "keep");
        peft("merge", "--base", model, "--adapter", adapter, "--out", mine, "--force")
                .refused("--force replaces only a folder peft wrote");
        assertEquals("keep", Files.readString(mine.resolve("notes.txt")));
        Path file = Files.writeString(dir.resolve("a-file"), "keep");
        peft("merge", "--base", model, "--adapter", adapter, "--out", file, "--force").refused("is a file");
        assertEquals("keep", Files.readString(file));
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("other"), "--force").ok();
        peft("merge", "--base", model, "--adapter", adapter, "--out", merged, "--force").ok();
        peft("init-model", "--arch", "llama", "--corpus", CORPUS, "--out", merged, "--force")
                .refused("is a merged model folder, not a model folder (init-model)");
    }

    @Test
    void saveCombinedNeedsForceAndNeverReplacesTheInputAdapter() throws IOException {
        Path adapter = run.resolve("adapter");
        String config = Files.readString(adapter.resolve("adapter_config.json"));
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("m-sc1"), "--save-combined", adapter)
                .refused("--save-combined " + adapter, "is the input --adapter");
        assertEquals(config, Files.readString(adapter.resolve("adapter_config.json")));
        Path existing = Files.createDirectories(dir.resolve("existing-adapter"));
        Files.writeString(existing.resolve("adapter_config.json"), "{}");
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("m-sc2"), "--save-combined", existing)
                .refused("already exists");
        assertEquals("{}", Files.readString(existing.resolve("adapter_config.json")));
        assertFalse(Files.exists(dir.resolve("m-sc2")), "refused before any work");
        Path combined = dir.resolve("combined");
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("m-sc3"), "--save-combined", combined)
                .ok();
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("m-sc3"), "--save-combined", combined,
                "--force").ok();
        // Reruns reproduce the adapter: lora_alpha stays what the input has (the issue saw it halve each time).
        assertEquals(Json.read(adapter.resolve("adapter_config.json")).get("lora_alpha"),
                Json.read(combined.resolve("adapter_config.json")).get("lora_alpha"));
        peft("merge", "--base", model, "--adapter", adapter, "--out", dir.resolve("m-sc4"), "--save-combined",
                dir.resolve("m-sc4")).refused("--out and --save-combined name the same folder");
    }

    @Test
    void evalNeverReplacesARunAndNeedsForceForItsOwnOutput() throws IOException {
        Map<String, String> before = snapshot(run);
        Object[] eval = {"eval", "../configs/default.conf", "model.path=" + model, "data.format=jsonl",
            "data.path=" + data, "generation.max_new_tokens=4", "eval.bootstrap.samples=5", "--out"};
        peft(concat(eval, run)).refused("is a training run folder");
        peft(concat(eval, run, "--force")).refused("is a training run folder");
        assertEquals(before, snapshot(run));
        Path out = dir.resolve("eval-out");
        peft(concat(eval, out)).ok();
        assertTrue(Files.isRegularFile(out.resolve("predictions.jsonl")));
        peft(concat(eval, out)).refused("already exists (use --force to replace it)");
        peft(concat(eval, out, "--force")).ok();
        // An output that cannot be written is refused before any example is generated.
        Path file = Files.writeString(dir.resolve("eval-file"), "keep");
        Run r = peft(concat(eval, file));
        r.refused("is a file, not a folder");
        assertFalse(r.out().contains("evaluating"), r.out());
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void aRunFolderIsLockedWhileAProcessTrainsInIt() throws IOException {
        Path locked = runs.resolve("locked");
        train("locked").ok();
        try (RunLock held = RunLock.acquire(locked)) {
            peft("train", "--resume", locked).refused("another peft train is running in this run folder",
                    "pid " + ProcessHandle.current().pid());
            // The same fresh command again while the first still trains: the holder is named too.
            train("locked").refused("another peft train is running in this run folder",
                    "pid " + ProcessHandle.current().pid());
        }
        // A lock a killed process left (its pid in the file, no OS lock held) is taken over.
        Files.writeString(locked.resolve(RunLock.FILE), "999999\n");
        Run r = peft("train", "--resume", locked);
        r.ok();
        assertTrue(r.out().contains("took over the run folder lock of process 999999"), r.out());
        // Two starts of the same fresh run: the second finds the folder taken.
        train("locked").refused("run folder already exists");
    }

    @Test
    void filesAreNeverWrittenOverTheirInputAndExistingOnesNeedForce() throws IOException {
        Path pairs = Files.writeString(dir.resolve("pairs.jsonl"), "{\"prediction\": \"a b\", \"reference\": \"a b\"}\n");
        String text = Files.readString(pairs);
        peft("rouge", "--input", pairs, "--output", pairs).refused("--output " + pairs, "is the input --input");
        assertEquals(text, Files.readString(pairs));
        Path scores = dir.resolve("scores.jsonl");
        peft("rouge", "--input", pairs, "--output", scores).ok();
        peft("rouge", "--input", pairs, "--output", scores).refused("already exists (use --force");
        peft("rouge", "--input", pairs, "--output", scores, "--force").ok();
        Path folder = Files.createDirectories(dir.resolve("a-folder"));
        peft("rouge", "--input", pairs, "--output", folder, "--force").refused("not a regular file");
        peft("rouge", "--input", pairs, "--output", scores, "--summary", scores, "--force").refused("is the input");
    }

    @Test
    void whatCanBeCheckedAtStartIsAndAFailedStartLeavesNothing() throws IOException {
        // GPT-2's learned positions: refused at start naming both keys (the issue lost a trained epoch here).
        peft("train", "../configs/default.conf", "model.path=" + gpt2, "train.batch_size=2", "train.epochs=1",
                "data.format=jsonl", "data.path=" + data, "run.output_dir=" + runs, "run.name=g600",
                "generation.max_new_tokens=600")
                .refused("generation.max_new_tokens 600", "data.max_source_length", "n_positions 512");
        assertFalse(Files.exists(runs.resolve("g600")), "a failed start leaves no folder");
        // A training example longer than the learned positions.
        Path longData = dir.resolve("long.jsonl");
        Files.writeString(longData, "{\"dialogue\": \"" + "hello ".repeat(600) + "\", \"summary\": \"hi\"}\n");
        peft("train", "../configs/default.conf", "model.path=" + gpt2, "data.format=jsonl", "data.path=" + longData,
                "data.max_source_length=1000", "eval.every_epoch=false", "run.output_dir=" + runs, "run.name=g-long")
                .refused("longer than n_positions 512", "data.max_source_length");
        // Rotary positions run past max_position_embeddings: a warning, and the run trains.
        Run warned = train("long-rope", "data.path=" + longData, "data.max_source_length=1000", "train.epochs=1");
        warned.ok();
        assertTrue(warned.out().contains("warning: the longest training example is 609 tokens")
                && warned.out().contains("max_position_embeddings 512"), warned.out());
        // A source so long that the attention alone cannot fit in memory: refused with the estimate, at once.
        Path huge = dir.resolve("huge.jsonl");
        Files.writeString(huge, "{\"dialogue\": \"" + "hello ".repeat(60_000) + "\", \"summary\": \"hi\"}\n"
                + Files.readAllLines(data).get(0) + "\n");
        train("huge", "data.path=" + huge, "data.max_source_length=60000")
                .refused("GiB for its attention probabilities", "data.max_source_length (60000)", "train.batch_size");
        assertFalse(Files.exists(runs.resolve("huge")));
        // The same command simply runs again once the input is right.
        train("again", "data.path=" + dir.resolve("missing.jsonl")).refused("missing.jsonl");
        assertFalse(Files.exists(runs.resolve("again")));
        train("again").ok();
    }

    // ---- stack traces: one line naming the file or key

    @Test
    void textThatIsNotUtf8IsAOneLineErrorNamingFileAndLine() throws IOException {
        byte[] latin1 = "{\"dialogue\": \"caf\u00e9\", \"summary\": \"x\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        Path jsonl = dir.resolve("latin1.jsonl");
        Files.write(jsonl, concatBytes(Files.readAllBytes(data), latin1));
        train("latin-jsonl", "data.path=" + jsonl).refused(jsonl + " line 4: not valid UTF-8");
        Path json = dir.resolve("latin1.json");
        Files.write(json, concatBytes("[\n".getBytes(StandardCharsets.UTF_8), latin1, "]\n".getBytes()));
        train("latin-json", "data.format=json", "data.path=" + json).refused(json + " line 2: not valid UTF-8");
        Path csv = dir.resolve("latin1.csv");
        Files.write(csv, concatBytes("dialogue,summary\nhello,hi\n".getBytes(), "caf\u00e9,x\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        train("latin-csv", "data.format=csv", "data.path=" + csv).refused(csv + " line 3: not valid UTF-8");
        Path corpus = Files.write(dir.resolve("corpus.txt"), "caf\u00e9 au lait\n".getBytes(StandardCharsets.ISO_8859_1));
        peft("init-model", "--corpus", corpus, "--out", dir.resolve("m-latin")).refused(corpus + " line 1: not valid UTF-8");
        peft("generate", "--model", model, "--input", "@" + dir).refused(dir + ": is a folder");
        peft("generate", "--model", model, "--input", "@" + corpus).refused(corpus + " line 1: not valid UTF-8");
    }

    @Test
    void tokenIdsBeyondVocabSizeAreFoundAtLoadAndByInspect() throws IOException {
        Path small = copyModel("vocab-small", c -> c.put("vocab_size", 100));
        train("vocab", "model.path=" + small).refused("tokenizer.json: token ids go up to", "vocab_size 100");
        assertFalse(Files.exists(runs.resolve("vocab")));
        Run inspect = peft("inspect", small);
        assertTrue(inspect.out().contains("token ids within vocab_size: NO"), inspect.out());
        Path pad = copyModel("pad-out", c -> c.put("pad_token_id", c.get("vocab_size").asInt()));
        peft("generate", "--model", pad, "--input", "a", "--input", "b c").refused("pad_token_id", "outside the vocabulary");
        assertTrue(peft("inspect", model).out().contains("token ids within vocab_size: yes"));
    }

    @Test
    void aTinyTemperatureSamplesTheMostLikelyTokenInsteadOfFailing() {
        Run greedy = peft("generate", "--model", model, "--input", "hello there", "--max-new-tokens", "5");
        greedy.ok();
        Run cold = peft("generate", "--model", model, "--input", "hello there", "--max-new-tokens", "5",
                "--strategy", "sample", "--temperature", "1e-45");
        cold.ok();
        assertEquals(greedy.out(), cold.out());
    }

    @Test
    void configIncludesAndBytesAreChecked() throws IOException {
        Path req = Files.writeString(dir.resolve("req.conf"), "include required(\"x\")\n");
        peft("train", req).refused(req + ": include \"x\": file not found");
        Path missing = Files.writeString(dir.resolve("missing-include.conf"), "include \"nope.conf\"\ntrain.epochs = 1\n");
        peft("train", missing).refused(missing + ": include \"nope.conf\": file not found");
        Path latin = Files.write(dir.resolve("latin1.conf"), "run.name = \"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
        peft("train", latin).refused(latin + " line 1: not valid UTF-8");
        Path cp = Files.writeString(dir.resolve("cp.conf"), "include classpath(\"nope.conf\")\n");
        peft("train", cp).refused("include classpath(\"nope.conf\"): no such resource");
    }

    // ---- silent wrong results

    @Test
    void anAdapterWithNonFiniteValuesIsRefusedAtLoad() throws IOException {
        Path nan = dir.resolve("nan-adapter");
        copyTree(run.resolve("adapter"), nan);
        Path st = nan.resolve("adapter_model.safetensors");
        byte[] b = Files.readAllBytes(st);
        long headerLen = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = Json.MAPPER.readTree(new String(b, 8, (int) headerLen, StandardCharsets.UTF_8));
        String name = new TreeMap<>(Json.MAPPER.convertValue(header, Map.class)).keySet().stream()
                .filter(k -> !k.equals("__metadata__")).findFirst().orElseThrow().toString();
        int at = 8 + (int) headerLen + header.get(name).get("data_offsets").get(0).asInt();
        ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN);
        Files.write(st, b);
        peft("generate", "--model", model, "--adapter", "n=" + nan, "--input", "hi").refused("tensor '" + name + "'", "NaN");
    }

    @Test
    void aDamagedCheckpointIsSkippedWithAWarning() throws IOException {
        train("damaged").ok();
        Path runDir = runs.resolve("damaged");
        Path state = runDir.resolve("epoch-2").resolve(CheckpointState.FILE);
        ObjectNode s = (ObjectNode) Json.read(state);
        s.put("global_step", "abc");
        Json.write(state, s);
        Run r = peft("train", "--resume", runDir);
        r.ok();
        assertTrue(r.err().contains("warning: skipping checkpoint " + runDir.resolve("epoch-2") + ": ")
                && r.err().contains("'global_step' is \"abc\""), r.err());
        assertTrue(r.err().contains("resuming from " + runDir.resolve("epoch-1")), r.err());
    }

    @Test
    void resumeRefusesAnotherBaseModelOfTheSameShapes() throws IOException {
        Path base = dir.resolve("swap-base");
        copyTree(model, base);
        train("swap", "model.path=" + base).ok();
        Path other = dir.resolve("seed5");
        peft("init-model", "--arch", "llama", "--corpus", CORPUS, "--seed", "5", "--out", other).ok();
        Files.copy(other.resolve("model.safetensors"), base.resolve("model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        peft("train", "--resume", runs.resolve("swap")).refused("is not the one this run trained on",
                "model.safetensors differs", "base_model.json");
    }

    @Test
    void decodingFlagsLayerWithConfigKeys() {
        Run r = peft("generate", "--model", model, "--adapter", "a=" + run.resolve("adapter"), "--input", "hello there",
                "--strategy", "beam", "generation.num_return_sequences=2", "generation.max_new_tokens=4");
        r.ok();
        assertTrue(r.out().contains("[1] ") && r.out().contains("[2] "), r.out());
    }

    @Test
    void emptyReferencesWarnAndBadNumbersAreRefused() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty-refs.jsonl"),
                "{\"dialogue\": \"hello there\", \"summary\": \"\"}\n{\"dialogue\": \"a b\", \"summary\": \" \"}\n");
        Run r = peft("eval", "../configs/default.conf", "model.path=" + model, "data.format=jsonl",
                "data.path=" + empty, "generation.max_new_tokens=3", "eval.bootstrap.samples=5", "--out",
                dir.resolve("eval-empty"));
        r.ok();
        assertTrue(r.out().contains("warning: every reference of " + empty), r.out());
        peft("init-model", "--vocab-size", "0", "--corpus", CORPUS, "--out", dir.resolve("v0")).refused("--vocab-size 0");
        peft("init-model", "--seed", "-1", "--corpus", CORPUS, "--out", dir.resolve("s-1")).refused("--seed -1");
        peft("generate", "--model", model, "--input", "hi", "--seed", "-1").refused("generation.seed", "-1");
    }

    @Test
    void minorMessages() {
        // The non-finite stop names the checkpoint and the setting, and its line ends cleanly.
        Run nan = train("nonfinite", "optim.lr=1e30", "train.epochs=3");
        assertEquals(2, nan.exit(), nan.all());
        assertFalse(nan.out().contains(". in ") || nan.out().contains("skip. "), nan.out());
        assertTrue(nan.out().contains("set train.nonfinite.policy=skip (after "), nan.out());
        Path t5 = dir.resolve("t5");
        peft("init-model", "--corpus", CORPUS, "--out", t5).ok();
        peft("train", "../configs/default.conf", "model.path=" + t5, "model.config_overrides={num_heads: 0}",
                "run.output_dir=" + runs).refused("config.json with model.config_overrides {num_heads=0}");
        peft("train", "../configs/default.conf", "model.path=" + t5, "model.config_overrides={d_kv: 32}",
                "run.output_dir=" + runs).refused("with model.config_overrides {d_kv=32}",
                "may not change the shape");
    }

    // ---- helpers

    private static Object[] concat(Object[] a, Object... b) {
        Object[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] concatBytes(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static Path copyModel(String name, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path to = dir.resolve(name);
        copyTree(model, to);
        ObjectNode c = (ObjectNode) Json.read(to.resolve("config.json"));
        edit.accept(c);
        Json.write(to.resolve("config.json"), c);
        return to;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
