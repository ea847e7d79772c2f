package org.pefttrainer.core.io.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.pefttrainer.core.io.Json;

/**
 * A model folder whose tokenizer or special token ids reach past config.json's {@code vocab_size} fails only when
 * such an id meets the embedding table ("index out of range in self", mid-training or mid-batch). Checked when the
 * model loads, and reported by {@code peft inspect}.
 */
public final class VocabularyCheck {
    private static final String[] SPECIAL_IDS = {"pad_token_id", "eos_token_id", "bos_token_id",
        "decoder_start_token_id"};

    private VocabularyCheck() {}

    /** Each problem as one line naming the file and key; empty when the ids fit. */
    public static List<String> problems(HfModelFolder folder) {
        List<String> out = new ArrayList<>();
        JsonNode config = folder.config();
        if (!config.path("vocab_size").canConvertToInt()) {
            return out; // the family's own config check names it
        }
        int vocab = config.path("vocab_size").asInt();
        for (String key : SPECIAL_IDS) {
            JsonNode v = config.path(key);
            for (JsonNode id : v.isArray() ? v : List.of(v)) {
                if (id.isIntegralNumber() && (id.asLong() < 0 || id.asLong() >= vocab)) {
                    out.add(folder.configFile() + ": " + key + " " + id.asLong() + " is outside the vocabulary [0, "
                            + vocab + ") of vocab_size");
                }
            }
        }
        Optional<Path> tok = folder.tokenizerJson();
        if (tok.isPresent()) {
            long top = highestId(Json.read(tok.get()));
            if (top >= vocab) {
                out.add(tok.get() + ": token ids go up to " + top + ", but " + folder.configFile() + " has vocab_size "
                        + vocab + " (the embedding table must have a row for every token: vocab_size >= " + (top + 1)
                        + ")");
            }
        }
        return out;
    }

    /** The largest id of the tokenizer's vocabulary and added tokens (-1 for none). */
    public static long highestId(JsonNode tokenizer) {
        long top = -1;
        JsonNode vocab = tokenizer.path("model").path("vocab");
        if (vocab.isObject()) { // BPE, WordLevel, WordPiece: token -> id
            for (JsonNode id : (Iterable<JsonNode>) vocab::elements) {
                top = Math.max(top, id.asLong(-1));
            }
        } else if (vocab.isArray()) { // Unigram: [token, score] pairs, id = index
            top = vocab.size() - 1;
        }
        for (JsonNode added : tokenizer.path("added_tokens")) {
            top = Math.max(top, added.path("id").asLong(-1));
        }
        return top;
    }
}
