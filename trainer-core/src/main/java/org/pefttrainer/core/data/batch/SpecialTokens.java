package org.pefttrainer.core.data.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;

/**
 * The token ids batching needs, as a model's {@code config.json} names them.
 *
 * @param padTokenId           {@code pad_token_id}: fills short rows of input ids and decoder input ids
 * @param eosTokenId           {@code eos_token_id}: kept as the last token when a sequence is truncated
 * @param decoderStartTokenId  {@code decoder_start_token_id}: first decoder input (T5: the pad id, 0)
 */
public record SpecialTokens(int padTokenId, int eosTokenId, int decoderStartTokenId) {

    /** T5's ids (pad 0, eos 1, decoder start 0), also transformers' T5Config defaults. */
    public static final SpecialTokens T5 = new SpecialTokens(0, 1, 0);

    /**
     * Reads the three ids from a model's config.json. A missing {@code pad_token_id} / {@code eos_token_id} takes
     * T5Config's default (0 / 1); a missing {@code decoder_start_token_id} takes the pad id, as T5 does.
     */
    public static SpecialTokens fromConfig(Path configJson) {
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(configJson.toFile());
        } catch (IOException e) {
            throw new UserException("cannot read model config " + configJson + ": " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) {
            throw new UserException(configJson + ": expected a JSON object");
        }
        int pad = id(c, "pad_token_id", T5.padTokenId, configJson);
        int eos = id(c, "eos_token_id", T5.eosTokenId, configJson);
        int start = id(c, "decoder_start_token_id", pad, configJson);
        return new SpecialTokens(pad, eos, start);
    }

    private static int id(JsonNode c, String key, int fallback, Path file) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isArray() && v.size() > 0) {  // newer configs may list several eos ids; the first ends sequences
            v = v.get(0);
        }
        if (!v.canConvertToInt()) {
            throw new UserException(file + ": " + key + " must be an integer token id, got " + v);
        }
        return v.asInt();
    }
}
