package org.pefttrainer.core.model.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.OutputTarget;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfCheckpointWriter;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.model.t5.T5Config;

/**
 * Writes a randomly initialised model folder in Hugging Face format (what {@code peft init-model} does): config.json,
 * model.safetensors (sharded above a size), tokenizer.json (copied, or word-level built from a corpus),
 * tokenizer_config.json, special_tokens_map.json and generation_config.json. Tests, the embedded default and users
 * smoke-testing a setup all use it.
 */
public final class ModelInitializer {
    /** Size presets: tiny for smoke runs, the others with the published T5 / FLAN-T5 shapes. */
    public static final List<String> SIZES = List.of("tiny", "small", "flan-t5-small", "flan-t5-base", "flan-t5-large");

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
                return new BuiltTokenizer(json, vocabSize(json, tokenizerJson));
            }
            List<String> vocab = WordLevelTokenizer.vocabulary(corpusTexts(corpus), maxVocab);
            return new BuiltTokenizer(WordLevelTokenizer.tokenizerJson(vocab), vocab.size());
        }
    }

    /** A tokenizer.json and the number of ids it can produce. */
    record BuiltTokenizer(ObjectNode json, int vocabSize) {}

    public static T5Config preset(String size, int vocabSize) {
        switch (size.toLowerCase(Locale.ROOT)) {
            case "tiny":
                // Tied embeddings (with T5's d_model^-0.5 rescale) keep a random tiny model's logits near unit scale;
                // an untied N(0, 1) lm_head would start with logits of std sqrt(d_model).
                return new T5Config(vocabSize, 64, 16, 256, 2, 2, 4, 32, 128, 0.1, 1e-6, "gelu_new", true, true, 0, 1, 0);
            case "small":
                return new T5Config(vocabSize, 512, 64, 2048, 6, 6, 8, 32, 128, 0.1, 1e-6, "relu", false, true, 0, 1, 0);
            case "flan-t5-small":
                return new T5Config(vocabSize, 512, 64, 1024, 8, 8, 6, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0);
            case "flan-t5-base":
                return new T5Config(vocabSize, 768, 64, 2048, 12, 12, 12, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0);
            case "flan-t5-large":
                return new T5Config(vocabSize, 1024, 64, 2816, 24, 24, 16, 32, 128, 0.1, 1e-6, "gelu_new", true, false, 0, 1, 0);
            default:
                throw new UserException("unknown model size '" + size + "' (expected one of " + SIZES + ")");
        }
    }

    /**
     * Builds the folder {@code out}. {@code config} may be null: then the preset {@code size} is used with the
     * tokenizer's vocabulary size (at least 32128 when a real T5 tokenizer is copied).
     */
    public static T5Config initialize(Path out, String size, T5Config config, TokenizerSource tokenizer, long seed,
            DType dtype, long maxShardBytes, boolean force) {
        BuiltTokenizer built = tokenizer.make();
        ObjectNode tokenizerJson = built.json();
        int tokenizerVocab = built.vocabSize();
        T5Config c = config != null ? config : preset(size, tokenizerVocab);
        if (c.vocabSize() < tokenizerVocab) {
            throw new UserException("vocab_size " + c.vocabSize() + " of the model config is smaller than the "
                    + "tokenizer's " + tokenizerVocab + " tokens");
        }
        final T5Config cfg = c;
        OutputTarget.folder(out, "--out", OutputTarget.Kind.MODEL, force, List.of()).writeFolder(tmp -> {
            Json.write(tmp.resolve(HfModelFolder.CONFIG), cfg.toJson());
            HfCheckpointWriter.write(tmp, RandomT5Weights.tensors(cfg, seed), dtype, maxShardBytes);
            Json.write(tmp.resolve(HfModelFolder.TOKENIZER), tokenizerJson);
            Json.write(tmp.resolve("tokenizer_config.json"), Json.MAPPER.createObjectNode()
                    .put("tokenizer_class", "PreTrainedTokenizerFast").put("pad_token", "<pad>")
                    .put("eos_token", "</s>").put("unk_token", "<unk>").put("model_max_length", 512));
            Json.write(tmp.resolve("special_tokens_map.json"), Json.MAPPER.createObjectNode()
                    .put("pad_token", "<pad>").put("eos_token", "</s>").put("unk_token", "<unk>"));
            Json.write(tmp.resolve(HfModelFolder.GENERATION_CONFIG), Json.MAPPER.createObjectNode()
                    .put("decoder_start_token_id", cfg.decoderStartTokenId()).put("eos_token_id", cfg.eosTokenId())
                    .put("pad_token_id", cfg.padTokenId()));
        });
        return cfg;
    }

    /** Number of ids a tokenizer.json can produce: its model vocabulary plus added tokens beyond it. */
    static int vocabSize(JsonNode tok, Path file) {
        JsonNode vocab = tok.path("model").path("vocab");
        int n;
        if (vocab.isObject()) {
            n = 0;
            Iterator<JsonNode> it = vocab.elements();
            while (it.hasNext()) {
                n = Math.max(n, it.next().asInt() + 1);
            }
        } else if (vocab.isArray()) {
            n = vocab.size();
        } else {
            throw new UserException(file + ": no model.vocab (not a Hugging Face tokenizer.json?)");
        }
        for (JsonNode t : tok.path("added_tokens")) {
            n = Math.max(n, t.path("id").asInt() + 1);
        }
        return n;
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
