package org.pefttrainer.core.model.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.hf.VocabularyCheck;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.registry.Architectures;

/**
 * Writes a randomly initialised model folder of any registered family in Hugging Face format (what
 * {@code peft init-model} does): config.json (a family's preset or a real config's shapes), model.safetensors (sharded
 * above a size; the family draws the weights as transformers initialises them), tokenizer.json (copied, or a
 * word-level one built from a corpus), tokenizer_config.json, and generation_config.json. Tests, the embedded
 * default, the benchmarks and users smoke-testing a setup all use it.
 */
public final class ModelInitializer {
    private ModelInitializer() {}

    /** Where the tokenizer comes from: an existing tokenizer.json, or a corpus to build a word-level one from. */
    public record TokenizerSource(Path tokenizerJson, List<Path> corpus, int maxVocab) {
        public static TokenizerSource copy(Path tokenizerJson) {
            return new TokenizerSource(tokenizerJson, List.of(), 0);
        }

        public static TokenizerSource build(List<Path> corpus, int maxVocab) {
            return new TokenizerSource(null, corpus, maxVocab);
        }

        /** The tokenizer.json to write: the copied file, or a word-level one built from the corpus. */
        BuiltTokenizer make() {
            if (tokenizerJson != null) {
                ObjectNode json = Json.readObject(tokenizerJson);
                return new BuiltTokenizer(json, vocabSize(json, tokenizerJson), false);
            }
            List<String> vocab = WordLevelTokenizer.vocabulary(corpusTexts(corpus), maxVocab);
            return new BuiltTokenizer(WordLevelTokenizer.tokenizerJson(vocab), vocab.size(), true);
        }
    }

    /** A tokenizer.json, the number of ids it can produce, and whether it is our word-level one (pad 0, eos 1). */
    record BuiltTokenizer(ObjectNode json, int vocabSize, boolean wordLevel) {}

    /** The preset {@code size} of {@code modelType}'s family; a one-line error lists the family's presets. */
    public static ObjectNode preset(String modelType, String size) {
        ModelFamily family = Architectures.of(modelType, "--arch " + modelType);
        Map<String, ObjectNode> presets = family.presets(modelType);
        ObjectNode c = presets.get(size.toLowerCase(Locale.ROOT));
        if (c == null) {
            throw new UserException("unknown model size '" + size + "' for " + modelType + " (expected one of "
                    + presets.keySet() + "; other shapes come from a real config.json with --config)");
        }
        return c.deepCopy();
    }

    /** The preset {@code size} of {@code modelType} written to {@code out} with the tokenizer's vocabulary. */
    public static ObjectNode initialize(Path out, String modelType, String size, TokenizerSource tokenizer, long seed,
            DType dtype, long maxShardBytes, boolean force) {
        return write(out, preset(modelType, size), true, tokenizer, seed, dtype, maxShardBytes, force);
    }

    /**
     * Writes {@code out} with the shapes of {@code config} (a config.json of any registered family); its vocab_size
     * must cover the tokenizer. Returns the written config.
     */
    public static ObjectNode initialize(Path out, ObjectNode config, TokenizerSource tokenizer, long seed, DType dtype,
            long maxShardBytes, boolean force) {
        return write(out, config, false, tokenizer, seed, dtype, maxShardBytes, force);
    }

    private static ObjectNode write(Path out, ObjectNode config, boolean preset, TokenizerSource tokenizer, long seed,
            DType dtype, long maxShardBytes, boolean force) {
        OutputTarget target = OutputTarget.folder(out, "--out", OutputTarget.Kind.MODEL, force, List.of());
        BuiltTokenizer built = tokenizer.make();
        ObjectNode c = config.deepCopy();
        ModelFamily family = Architectures.of(c, Path.of("config.json"));
        if (preset) {
            c.put("vocab_size", built.vocabSize());
        } else if (c.path("vocab_size").asInt(0) < built.vocabSize()) {
            throw new UserException("vocab_size " + c.path("vocab_size").asInt(0) + " of the model config is smaller"
                    + " than the tokenizer's " + built.vocabSize() + " tokens");
        }
        boolean causal = family.taskType().causal();
        if (built.wordLevel()) {
            // The word-level tokenizer's ids (WordLevelTokenizer.SPECIALS: <pad> 0, </s> 1); a copied tokenizer
            // keeps the config's own.
            c.put("pad_token_id", 0).put("eos_token_id", 1);
            if (causal) {
                c.put("bos_token_id", 1);
            } else {
                c.put("decoder_start_token_id", 0);
            }
        }
        c.put("torch_dtype", switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
        List<HfCheckpointWriter.Tensor> tensors = family.randomWeights(c, seed);
        ObjectNode tokenizerConfig = Json.MAPPER.createObjectNode().put("tokenizer_class", "PreTrainedTokenizerFast")
                .put("pad_token", "<pad>").put("eos_token", "</s>");
        ObjectNode generation = Json.MAPPER.createObjectNode();
        if (causal) {
            tokenizerConfig.put("bos_token", "</s>").put("unk_token", "<unk>");
            generation.set("bos_token_id", c.get("bos_token_id"));
        } else {
            tokenizerConfig.put("unk_token", "<unk>").put("model_max_length", 512);
            generation.set("decoder_start_token_id", c.get("decoder_start_token_id"));
        }
        generation.set("eos_token_id", c.get("eos_token_id"));
        generation.set("pad_token_id", c.get("pad_token_id"));
        target.writeFolder(tmp -> {
            Json.write(tmp.resolve(HfModelFolder.CONFIG), c);
            HfCheckpointWriter.write(tmp, tensors, dtype, maxShardBytes);
            Json.write(tmp.resolve(HfModelFolder.TOKENIZER), built.json());
            Json.write(tmp.resolve("tokenizer_config.json"), tokenizerConfig);
            if (!causal) {
                Json.write(tmp.resolve("special_tokens_map.json"), Json.MAPPER.createObjectNode()
                        .put("pad_token", "<pad>").put("eos_token", "</s>").put("unk_token", "<unk>"));
            }
            Json.write(tmp.resolve(HfModelFolder.GENERATION_CONFIG), generation);
        });
        return c;
    }

    /** A config.json file of a registered family (e.g. ../shared/models/smollm2-135m/config.json). */
    public static ObjectNode configFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserException(file + ": config file not found");
        }
        ObjectNode c = Json.readObject(file);
        Architectures.of(c, file);
        return c;
    }

    /** Number of ids a tokenizer.json can produce: its model vocabulary plus added tokens beyond it. */
    static int vocabSize(JsonNode tok, Path file) {
        JsonNode vocab = tok.path("model").path("vocab");
        if (!vocab.isObject() && !vocab.isArray()) {
            throw new UserException(file + ": no model.vocab (not a Hugging Face tokenizer.json?)");
        }
        return Math.toIntExact(VocabularyCheck.highestId(tok) + 1);
    }

    /** Record keys that hold identifiers or labels rather than running text. */
    private static final java.util.Set<String> NOT_TEXT = java.util.Set.of("id", "fname", "topic", "topic1", "topic2", "topic3");

    /** Texts of a corpus: the string values of each JSONL line (ids and topic labels excepted), or plain text lines. */
    static List<String> corpusTexts(List<Path> files) {
        List<String> texts = new ArrayList<>();
        for (Path f : files) {
            if (!Files.isRegularFile(f) && !Files.isDirectory(f)) {
                throw new UserException(f + ": tokenizer corpus file not found");
            }
            try (Stream<String> lines = TextFiles.readLines(f, "tokenizer corpus").stream()) {
                boolean jsonl = f.getFileName().toString().endsWith(".jsonl");
                lines.forEach(line -> {
                    if (jsonl && !line.isBlank()) {
                        try {
                            Json.MAPPER.readTree(line).fields().forEachRemaining(e -> {
                                if (e.getValue().isTextual() && !NOT_TEXT.contains(e.getKey())) {
                                    texts.add(e.getValue().asText());
                                }
                            });
                        } catch (IOException e) {
                            throw new UserException(f + ": not a JSON line: " + line.substring(0, Math.min(60, line.length())));
                        }
                    } else {
                        texts.add(line);
                    }
                });
            }
        }
        return texts;
    }
}
