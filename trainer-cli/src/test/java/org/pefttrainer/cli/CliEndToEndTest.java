package org.pefttrainer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.io.Json;
import picocli.CommandLine;

/**
 * The command line as a user meets it, on a tiny random model and the project's own dialogues: init-model, inspect,
 * train (LoRA, with evaluation after each epoch and the report), eval of the trained adapter, resume, and the
 * one-line errors of bad input.
 */
class CliEndToEndTest {
    @TempDir static Path dir;
    static Path model;

    record Run(int exit, String out, String err) {}

    static Run peft(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = PeftCli.commandLine();
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(oldOut);
        }
    }

    @BeforeAll
    static void makeModel() {
        model = dir.resolve("tiny");
        Run r = peft("init-model", "--size", "tiny", "--corpus", "../data/dialogues/train.jsonl", "--vocab-size", "800",
                "--out", model.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")));
    }

    private static String[] trainArgs(String name, String... extra) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "../configs/default.conf", "model.path=" + model,
                "data.path=../data/dialogues", "data.train_subset=48", "data.validation_subset=6",
                "data.max_source_length=96", "data.max_target_length=32", "train.batch_size=8", "train.epochs=2",
                "train.log_every=1", "eval.bootstrap.samples=20", "generation.max_new_tokens=12",
                "run.output_dir=" + dir, "run.name=" + name));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void initModelNeedsNoTokenizerArgument() {
        // As the README's quick start: the tokenizer is built from the project's own dialogues.
        String old = System.getProperty(org.pefttrainer.core.config.ConfigLoader.HOME_PROPERTY);
        System.setProperty(org.pefttrainer.core.config.ConfigLoader.HOME_PROPERTY, "..");
        try {
            Path out = dir.resolve("plain-tiny");
            Run r = peft("init-model", "--arch", "t5", "--size", "tiny", "--out", out.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            assertTrue(r.out().contains("built from") && r.out().contains("dialogues"), r.out());
            assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
            assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        } finally {
            if (old == null) {
                System.clearProperty(org.pefttrainer.core.config.ConfigLoader.HOME_PROPERTY);
            } else {
                System.setProperty(org.pefttrainer.core.config.ConfigLoader.HOME_PROPERTY, old);
            }
        }
    }

    @Test
    void decoderOnlyFoldersAreWrittenInspectedTrainedEvaluatedGeneratedAndMerged() throws Exception {
        for (String arch : new String[] {"llama", "qwen2", "gpt2"}) {
            Path out = dir.resolve("tiny-" + arch);
            Run r = peft("init-model", "--arch", arch, "--corpus", "../data/dialogues/train.jsonl", "--vocab-size", "300",
                    "--out", out.toString());
            assertEquals(0, r.exit(), r.err() + r.out());
            Run i = peft("inspect", out.toString());
            assertEquals(0, i.exit(), i.err());
            assertTrue(i.out().contains("model_type " + arch + ", causal") && i.out().contains("missing tensors: none")
                    && i.out().contains("unexpected tensors: none"), i.out());
            // the folder loads through the registry and gives finite logits
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                org.pefttrainer.core.model.CausalLM model = (org.pefttrainer.core.model.CausalLM)
                        org.pefttrainer.core.model.registry.Architectures.load(
                                org.pefttrainer.core.io.hf.HfModelFolder.open(out), m);
                float[] logits = model.forward(org.pefttrainer.core.model.ForwardContext.inference(m),
                        m.create(new long[] {1, 5, 9, 12}, new ai.djl.ndarray.types.Shape(1, 4)), null, null, null)
                        .toFloatArray();
                for (float f : logits) {
                    assertTrue(Float.isFinite(f));
                }
            }
            Run t = peft(trainArgs("causal-" + arch, "model.path=" + out, "train.epochs=1", "peft.lora.target_modules=default"));
            assertEquals(0, t.exit(), t.err() + t.out());
            JsonNode ac = Json.read(dir.resolve("causal-" + arch + "/adapter/adapter_config.json"));
            assertEquals("CAUSAL_LM", ac.get("task_type").asText());
            assertEquals(arch.equals("gpt2") ? "[\"c_attn\"]" : "[\"q_proj\",\"v_proj\"]", ac.get("target_modules").toString());
            assertEquals(arch.equals("gpt2"), ac.get("fan_in_fan_out").asBoolean(), "Conv1D: fan_in_fan_out");
            JsonNode epoch = Json.MAPPER.readTree(Files.readAllLines(dir.resolve("causal-" + arch + "/metrics.jsonl"))
                    .stream().filter(l -> l.contains("\"type\":\"epoch\"")).findFirst().orElseThrow());
            assertTrue(epoch.has("rougeLsum") && epoch.has("val_loss"), epoch.toString());
            // generate with the trained adapter: the greedy continuation, one line
            Run g = peft("generate", "--model", out.toString(), "--adapter", "a=" + dir.resolve("causal-" + arch + "/adapter"),
                    "--use", "a", "--input", "Summarize the following conversation. #Person1#: hello . Summary: ",
                    "--max-new-tokens", "5");
            assertEquals(0, g.exit(), g.err());
            assertEquals(1, g.out().strip().lines().count(), g.out());
            // merge folds it in; --verify compares the merged model with base + adapter
            Run mg = peft("merge", "--base", out.toString(), "--adapter", dir.resolve("causal-" + arch + "/adapter").toString(),
                    "--out", dir.resolve("merged-" + arch).toString(), "--verify");
            assertEquals(0, mg.exit(), mg.err() + mg.out());
            assertTrue(mg.out().contains(": OK"), mg.out());
            // prompt tuning: a CAUSAL_LM soft prompt of N rows, then beam search with it beside the LoRA adapter
            Run pt = peft(trainArgs("causal-pt-" + arch, "model.path=" + out, "train.epochs=1",
                    "peft.method=prompt_tuning", "peft.prompt_tuning.num_virtual_tokens=4", "peft.prompt_tuning.init=TEXT",
                    "peft.prompt_tuning.init_text=\"summarize the dialogue\""));
            assertEquals(0, pt.exit(), pt.err() + pt.out());
            JsonNode pc = Json.read(dir.resolve("causal-pt-" + arch + "/adapter/adapter_config.json"));
            assertEquals("CAUSAL_LM", pc.get("task_type").asText());
            assertEquals(1, pc.get("num_transformer_submodules").asInt());
            Run gb = peft("generate", "--model", out.toString(), "--adapter", "a=" + dir.resolve("causal-" + arch + "/adapter"),
                    "--adapter", "p=" + dir.resolve("causal-pt-" + arch + "/adapter"), "--use", "p", "--input",
                    "Summarize the following conversation. #Person1#: hello . Summary: ", "--strategy", "beam",
                    "--num-beams", "3", "--max-new-tokens", "5");
            assertEquals(0, gb.exit(), gb.err());
        }
    }

    @Test
    void inspectReportsAConsistentFolder() {
        Run r = peft("inspect", model.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("missing tensors: none"), r.out());
        assertTrue(r.out().contains("unexpected tensors: none"), r.out());
    }

    @Test
    void trainWritesTheRunFolderAndEvalScoresTheAdapter() throws Exception {
        Run r = peft(trainArgs("e2e"));
        assertEquals(0, r.exit(), r.err() + r.out());
        Path run = dir.resolve("e2e");
        for (String f : new String[] {"config.conf", "metrics.jsonl", "report.html", "adapter/adapter_config.json",
                "adapter/adapter_model.safetensors", "epoch-2/trainer_state.json", "epoch-2/adapter/adapter_config.json",
                "best/adapter_model.safetensors", "eval/epoch-1/predictions.jsonl", "eval/epoch-2/rouge.json"}) {
            assertTrue(Files.exists(run.resolve(f)), "missing " + f);
        }
        assertTrue(r.out().contains("resolved config"), "the resolved config is printed at start");
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        long steps = lines.stream().filter(l -> l.contains("\"type\":\"step\"")).count();
        assertEquals(12, steps, "48 examples / batch 8 = 6 steps per epoch, logged every step");
        JsonNode epoch2 = Json.MAPPER.readTree(lines.get(lines.size() - 1));
        assertEquals("epoch", epoch2.get("type").asText());
        assertTrue(epoch2.has("rougeLsum") && epoch2.has("rougeLsum_low"), epoch2.toString());
        for (String k : new String[] {"bleu", "bleu_low", "exact_match", "val_loss", "val_loss_high", "perplexity"}) {
            assertTrue(epoch2.has(k), k + " in " + epoch2);
        }
        assertEquals(Math.exp(epoch2.get("val_loss").asDouble()), epoch2.get("perplexity").asDouble(), 1e-9);
        JsonNode summary = Json.read(run.resolve("summary.json"));
        assertEquals("lora", summary.get("method").asText());
        assertTrue(summary.get("trainable_parameters").asLong() > 0 && summary.get("adapter_bytes").asLong() > 0
                && summary.get("train_seconds").asDouble() > 0, summary.toString());
        assertTrue(Files.isRegularFile(run.resolve("eval/epoch-2/metrics.json")));
        JsonNode cfg = Json.read(run.resolve("adapter/adapter_config.json"));
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals(16, cfg.get("r").asInt());

        Run e = peft("eval", "../configs/default.conf", "model.path=" + model, "data.path=../data/dialogues",
                "adapter=" + run.resolve("adapter"), "data.subset=5", "eval.bootstrap.samples=10",
                "generation.max_new_tokens=8", "--out", dir.resolve("eval-out").toString());
        assertEquals(0, e.exit(), e.err() + e.out());
        JsonNode rouge = Json.read(dir.resolve("eval-out/rouge.json"));
        assertEquals(5, rouge.get("examples").asInt());
        assertTrue(rouge.get("mean").has("rougeLsum"));
        assertEquals(5, Files.readAllLines(dir.resolve("eval-out/predictions.jsonl")).size());
        JsonNode metrics = Json.read(dir.resolve("eval-out/metrics.json"));
        assertEquals("LORA", metrics.get("method").asText());
        assertTrue(metrics.get("metrics").has("bleu") && metrics.get("metrics").has("exact_match")
                && metrics.get("loss").has("value"), metrics.toString());
        assertTrue(Files.isRegularFile(dir.resolve("eval-out/config.conf")));
        // the zero-shot row and the table
        Run zero = peft("eval", "../configs/default.conf", "model.path=" + model, "data.path=../data/dialogues",
                "data.subset=5", "eval.bootstrap.samples=10", "generation.max_new_tokens=8", "--out",
                dir.resolve("eval-zero").toString());
        assertEquals(0, zero.exit(), zero.err() + zero.out());
        Run cmp = peft("compare", dir.resolve("eval-zero").toString(), dir.resolve("eval-out").toString(),
                "--resamples", "50", "--html", dir.resolve("cmp.html").toString());
        assertEquals(0, cmp.exit(), cmp.err() + cmp.out());
        assertTrue(cmp.out().contains("eval-zero") && cmp.out().contains("zero-shot")
                && cmp.out().contains("paired, 5 examples"), cmp.out());
        assertTrue(Files.isRegularFile(dir.resolve("cmp.html")));

        // --resume on a finished run continues from its last checkpoint and ends at once, keeping the metrics.
        Run again = peft("train", "--resume", run.toString());
        assertEquals(0, again.exit(), again.err() + again.out());
        assertEquals(lines, Files.readAllLines(run.resolve("metrics.jsonl")));
    }

    @Test
    void promptTuningTrains() {
        Run r = peft(trainArgs("pt", "peft.method=prompt_tuning", "peft.prompt_tuning.num_virtual_tokens=4",
                "peft.prompt_tuning.init=TEXT", "+peft.prompt_tuning.init_text=\"summarize the dialogue\"",
                "train.epochs=1"));
        // init_text exists in the schema, so + is refused; the plain override is the right spelling.
        assertEquals(2, r.exit());
        Run ok = peft(trainArgs("pt", "peft.method=prompt_tuning", "peft.prompt_tuning.num_virtual_tokens=4",
                "peft.prompt_tuning.init=TEXT", "peft.prompt_tuning.init_text=\"summarize the dialogue\"",
                "train.epochs=1"));
        assertEquals(0, ok.exit(), ok.err() + ok.out());
        JsonNode cfg = Json.read(dir.resolve("pt/adapter/adapter_config.json"));
        assertEquals("PROMPT_TUNING", cfg.get("peft_type").asText());
        assertEquals(4, cfg.get("num_virtual_tokens").asInt());
    }

    @Test
    void badInputGivesOneLineErrors() throws Exception {
        Run typo = peft(trainArgs("typo", "optim.lrr=1e-3"));
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("unknown key 'optim.lrr'") && typo.err().contains("did you mean 'optim.lr'"),
                typo.err());
        Run range = peft(trainArgs("range", "peft.lora.r=0"));
        assertEquals(2, range.exit());
        assertTrue(range.err().contains("peft.lora.r"), range.err());
        Run missing = peft(trainArgs("nomodel", "model.path=" + dir.resolve("nope"), "model.init_if_missing=false"));
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("nope") && missing.err().lines().count() == 1, missing.err());
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        Files.copy(model.resolve("config.json"), broken.resolve("config.json"));
        Files.write(broken.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Run bad = peft("inspect", broken.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("model.safetensors") && bad.err().contains("truncated"), bad.err());
        Run noAdapter = peft("eval", "../configs/default.conf", "model.path=" + model, "data.path=../data/dialogues",
                "adapter=" + dir.resolve("no-adapter"), "data.subset=2");
        assertEquals(2, noAdapter.exit());
        assertTrue(noAdapter.err().contains("no-adapter"), noAdapter.err());
    }
}
