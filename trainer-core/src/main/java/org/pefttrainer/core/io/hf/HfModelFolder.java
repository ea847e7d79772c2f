package org.pefttrainer.core.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * A model folder as Hugging Face's {@code save_pretrained} writes it: config.json, model.safetensors or sharded
 * model-0000N-of-0000M.safetensors with model.safetensors.index.json, tokenizer.json and, when present,
 * generation_config.json.
 */
public final class HfModelFolder {
    public static final String CONFIG = "config.json";
    public static final String SINGLE_WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private final Path dir;
    private final ObjectNode config;

    private HfModelFolder(Path dir, ObjectNode config) {
        this.dir = dir;
        this.config = config;
    }

    public static HfModelFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserException(dir + ": model folder not found (expected a Hugging Face model folder with "
                    + CONFIG + " and " + SINGLE_WEIGHTS + ")");
        }
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new UserException(dir + ": no " + CONFIG + " (expected a Hugging Face model folder)");
        }
        return new HfModelFolder(dir, Json.readObject(cfg));
    }

    public Path dir() {
        return dir;
    }

    public ObjectNode config() {
        return config;
    }

    public Path configFile() {
        return dir.resolve(CONFIG);
    }

    /**
     * The weights of this folder: model.safetensors when it exists, else the shards named by the index (the order
     * transformers' from_pretrained tries them in, so a folder holding both loads the same tensors there and here).
     */
    public CheckpointReader openWeights() {
        Path index = dir.resolve(INDEX);
        Path single = dir.resolve(SINGLE_WEIGHTS);
        if (Files.isRegularFile(single)) {
            return CheckpointReader.openSingle(single);
        }
        if (Files.isRegularFile(index)) {
            return CheckpointReader.openSharded(index);
        }
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin")) || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"))) {
            throw new UserException(dir + ": only pytorch_model.bin found; pickled PyTorch weights are not supported"
                    + " (re-save with save_pretrained(..., safe_serialization=True) to get model.safetensors)");
        }
        throw new UserException(dir + ": no " + SINGLE_WEIGHTS + " or " + INDEX + " found");
    }

    public Optional<Path> tokenizerJson() {
        Path p = dir.resolve(TOKENIZER);
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    public Path requireTokenizerJson() {
        return tokenizerJson().orElseThrow(() -> new UserException(dir + ": no " + TOKENIZER
                + " (the tokenizer must be saved in the model folder in the fast-tokenizer format)"));
    }

    public Optional<JsonNode> generationConfig() {
        Path p = dir.resolve(GENERATION_CONFIG);
        return Files.isRegularFile(p) ? Optional.of(Json.read(p)) : Optional.empty();
    }

    public String architecture() {
        JsonNode a = config.path("architectures");
        if (a.isArray() && a.size() > 0) {
            return a.get(0).asText();
        }
        return config.path("model_type").asText("unknown");
    }
}
