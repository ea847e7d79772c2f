package org.pefttrainer.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.config.ConfigLoader;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.init.ModelInitializer;
import org.pefttrainer.core.model.t5.T5Architecture;
import org.pefttrainer.core.model.t5.T5Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code peft init-model}: writes a randomly initialised model folder in Hugging Face format. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = {"Writes a randomly initialised model folder (T5, Llama, Qwen2, GPT-2) in Hugging Face format (config.json,"
                + " model.safetensors, tokenizer.json, ...): for tests, the embedded default, and smoke-testing a setup.",
            "Examples:",
            "  peft init-model --size tiny --out /tmp/tiny-t5      (tokenizer built from the project's dialogues)",
            "  peft init-model --arch llama --config ../shared/models/smollm2-135m/config.json --out /tmp/smollm2-random",
            "  peft init-model --config ../shared/models/t5-small/config.json"
                    + " --tokenizer ../shared/models/flan-t5-small/tokenizer.json --out /tmp/t5-small-random"})
public final class InitModelCommand implements Callable<Integer> {
    /** The corpus of a tokenizer built when neither --tokenizer nor --corpus is given, under the project root. */
    static final Path DEFAULT_CORPUS = Path.of("data", "dialogues", "train.jsonl");

    @Option(names = "--arch", defaultValue = "t5", description = "Architecture: t5 (T5, T5 v1.1, FLAN-T5), llama, qwen2,"
            + " gpt2 (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--size", defaultValue = "tiny",
            description = "Preset: tiny, or for t5 small (t5-small), flan-t5-small, flan-t5-base, flan-t5-large; for the"
                    + " decoder-only archs the shapes of a real config come with --config (e.g."
                    + " ../shared/models/smollm2-135m/config.json). Default: ${DEFAULT-VALUE}.")
    String size;

    @Option(names = "--config", paramLabel = "config.json", description = "Take the shapes from this config.json instead of a preset.")
    Path config;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json", description = "Copy this tokenizer.json (e.g. the real T5 one).")
    Path tokenizer;

    @Option(names = "--corpus", paramLabel = "FILE", split = ",",
            description = "Build a word-level tokenizer from these text or JSONL files (used when --tokenizer is not given;"
                    + " default: the project's own dialogues, data/dialogues/train.jsonl).")
    List<Path> corpus = new ArrayList<>();

    @Option(names = "--vocab-size", defaultValue = "2000", description = "Most words in a built tokenizer (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", description = "Storage dtype: f32, f16, bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "2GB",
            description = "Shard the weights above this size, e.g. 500MB (default: ${DEFAULT-VALUE}).")
    String maxShardSize;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to create.")
    Path out;

    @Option(names = "--force", description = "Replace an existing model folder that init-model wrote (it holds "
            + OutputTarget.MARKER + ").")
    boolean force;

    @Override
    public Integer call() {
        if (vocabSize < 1) {
            throw new UserException("--vocab-size " + vocabSize + ": must be at least 1");
        }
        if (seed < 0) {
            throw new UserException("--seed " + seed + ": must be 0 or more");
        }
        List<OutputTarget.Input> inputs = new ArrayList<>();
        inputs.add(new OutputTarget.Input("--config", config));
        inputs.add(new OutputTarget.Input("--tokenizer", tokenizer));
        corpus.forEach(c -> inputs.add(new OutputTarget.Input("--corpus", c)));
        OutputTarget.folder(out, "--out", OutputTarget.Kind.MODEL, force, inputs); // checked before any work
        DType d = DType.parseUserName(dtype);
        if (d == null) {
            throw new UserException("--dtype " + dtype + " is not supported (f32, f16 or bf16)");
        }
        ModelInitializer.TokenizerSource tok;
        if (tokenizer != null) {
            tok = ModelInitializer.TokenizerSource.copy(tokenizer);
        } else if (!corpus.isEmpty()) {
            tok = ModelInitializer.TokenizerSource.build(corpus, vocabSize);
        } else {
            // As the embedded default does: a word-level tokenizer of the project's own dialogues.
            Path dialogues = ConfigLoader.projectRoot().resolve(DEFAULT_CORPUS);
            if (!Files.isRegularFile(dialogues)) {
                throw new UserException(dialogues + " not found (the default tokenizer corpus): give --tokenizer"
                        + " tokenizer.json to copy, or --corpus FILE to build a word-level one");
            }
            tok = ModelInitializer.TokenizerSource.build(List.of(dialogues), vocabSize);
            System.out.println("tokenizer: word-level, built from " + dialogues);
        }
        if (!arch.equals("t5")) {
            return causal(tok, d);
        }
        T5Config cfg = config == null ? null : T5Config.fromFile(config);
        long t0 = System.nanoTime();
        T5Config written = ModelInitializer.initialize(out, size, cfg, tok, seed, d, parseSize(maxShardSize), force);
        long params = T5Architecture.parameterShapes(written).values().stream()
                .mapToLong(s -> { long n = 1; for (long x : s) { n *= x; } return n; }).sum();
        System.out.printf(Locale.ROOT, "wrote %s: T5 d_model=%d layers=%d/%d ff=%s vocab=%d, %,d parameters (%s) in %.1fs%n",
                out, written.dModel(), written.numLayers(), written.numDecoderLayers(),
                (written.gatedAct() ? "gated-" : "") + written.denseActFn(), written.vocabSize(), params, d,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    /** A Llama, Qwen2 or GPT-2 folder: the tiny preset, or the shapes of --config. */
    private int causal(ModelInitializer.TokenizerSource tok, DType d) {
        if (!org.pefttrainer.core.model.init.CausalInitializer.ARCHS.contains(arch)) {
            throw new UserException("--arch " + arch + " is not supported (t5, llama, qwen2, gpt2)");
        }
        com.fasterxml.jackson.databind.node.ObjectNode c;
        if (config != null) {
            c = org.pefttrainer.core.model.init.CausalInitializer.configFile(config);
            String type = c.path("model_type").asText();
            boolean llamaLike = type.equals("llama") || type.equals("mistral");
            if (!(type.equals(arch) || (arch.equals("llama") && llamaLike))) {
                throw new UserException(config + ": model_type '" + type + "' does not match --arch " + arch);
            }
        } else if (size.equals("tiny")) {
            c = org.pefttrainer.core.model.init.CausalInitializer.tinyConfig(arch, 0);
        } else {
            throw new UserException("--size " + size + " is a T5 preset; for --arch " + arch + " use --size tiny or"
                    + " --config CONFIG.json (e.g. ../shared/models/smollm2-135m/config.json)");
        }
        long t0 = System.nanoTime();
        com.fasterxml.jackson.databind.node.ObjectNode written = org.pefttrainer.core.model.init.CausalInitializer
                .initialize(out, c, tok, seed, d, parseSize(maxShardSize), force);
        long params = org.pefttrainer.core.model.Architectures.of(written, out.resolve("config.json"))
                .layout(written, out.resolve("config.json")).parameterShapes().values().stream()
                .mapToLong(s -> { long n = 1; for (long x : s) { n *= x; } return n; }).sum();
        System.out.printf(Locale.ROOT, "wrote %s: %s, vocab %d, %,d parameters (%s) in %.1fs%n", out,
                written.path("architectures").path(0).asText(written.path("model_type").asText()),
                written.path("vocab_size").asInt(), params, d, (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        for (String[] unit : new String[][] {{"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"GIB", "1073741824"},
                {"MIB", "1048576"}, {"KIB", "1024"}, {"B", "1"}}) {
            if (t.endsWith(unit[0])) {
                mult = Long.parseLong(unit[1]);
                t = t.substring(0, t.length() - unit[0].length()).trim();
                break;
            }
        }
        try {
            return (long) (Double.parseDouble(t) * mult);
        } catch (NumberFormatException e) {
            throw new UserException("size '" + s + "' is not valid (e.g. 500MB, 2GB)");
        }
    }
}
