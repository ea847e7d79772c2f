package org.pefttrainer.core.model.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * The hyper-parameters of a T5ForConditionalGeneration as transformers' T5Config reads them from config.json,
 * including its defaults for keys the file omits (t5-small's published config leaves most out).
 */
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numHeads,
        int relativeAttentionNumBuckets,
        int relativeAttentionMaxDistance,
        double dropoutRate,
        double layerNormEpsilon,
        String denseActFn,
        boolean gatedAct,
        boolean tieWordEmbeddings,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId) {

    public int innerDim() {
        return numHeads * dKv;
    }

    public T5Config withDropoutRate(double rate) {
        return new T5Config(vocabSize, dModel, dKv, dFf, numLayers, numDecoderLayers, numHeads,
                relativeAttentionNumBuckets, relativeAttentionMaxDistance, rate, layerNormEpsilon, denseActFn, gatedAct,
                tieWordEmbeddings, padTokenId, eosTokenId, decoderStartTokenId);
    }

    /** Reads config.json; {@code source} names the file in errors. */
    public static T5Config fromJson(JsonNode c, Path source) {
        String type = c.path("model_type").asText("");
        if (!type.equals("t5")) {
            throw new UserException(source + ": model_type '" + type + "' is not supported (expected 't5': T5, "
                    + "T5 v1.1, FLAN-T5)");
        }
        int numLayers = intKey(c, "num_layers", 6, source);
        String ffProj = c.path("feed_forward_proj").asText("relu");
        String[] parts = ffProj.split("-");
        boolean gated = parts[0].equals("gated");
        if ((gated && parts.length != 2) || (!gated && parts.length != 1)) {
            throw new UserException(source + ": feed_forward_proj '" + ffProj
                    + "' is not valid (expected ACT or gated-ACT, e.g. relu or gated-gelu)");
        }
        String act = parts[parts.length - 1];
        // transformers maps "gated-gelu" to the tanh approximation for backwards compatibility.
        if (ffProj.equals("gated-gelu")) {
            act = "gelu_new";
        }
        if (!act.equals("relu") && !act.equals("gelu") && !act.equals("gelu_new") && !act.equals("silu")) {
            throw new UserException(source + ": feed_forward_proj activation '" + act
                    + "' is not supported (relu, gelu, gelu_new, silu)");
        }
        for (String k : new String[] {"vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers",
            "num_heads", "relative_attention_num_buckets", "relative_attention_max_distance"}) {
            if (c.hasNonNull(k) && intKey(c, k, 1, source) < 1) {
                throw new UserException(source + ": '" + k + "' must be at least 1, got " + c.get(k));
            }
        }
        double dropout = c.path("dropout_rate").asDouble(0.1);
        if (c.hasNonNull("dropout_rate") && (!c.get("dropout_rate").isNumber() || !(dropout >= 0 && dropout < 1))) {
            throw new UserException(source + ": 'dropout_rate' must be a number in [0, 1), got " + c.get("dropout_rate"));
        }
        double eps = c.path("layer_norm_epsilon").asDouble(1e-6);
        if (c.hasNonNull("layer_norm_epsilon") && (!c.get("layer_norm_epsilon").isNumber() || !(eps > 0))) {
            throw new UserException(source + ": 'layer_norm_epsilon' must be a number > 0, got "
                    + c.get("layer_norm_epsilon"));
        }
        int pad = intKey(c, "pad_token_id", 0, source);
        return new T5Config(
                intKey(c, "vocab_size", 32128, source),
                intKey(c, "d_model", 512, source),
                intKey(c, "d_kv", 64, source),
                intKey(c, "d_ff", 2048, source),
                numLayers,
                c.hasNonNull("num_decoder_layers") ? intKey(c, "num_decoder_layers", numLayers, source) : numLayers,
                intKey(c, "num_heads", 8, source),
                intKey(c, "relative_attention_num_buckets", 32, source),
                intKey(c, "relative_attention_max_distance", 128, source),
                dropout,
                eps,
                act,
                gated,
                c.path("tie_word_embeddings").asBoolean(true),
                pad,
                intKey(c, "eos_token_id", 1, source),
                c.hasNonNull("decoder_start_token_id") ? intKey(c, "decoder_start_token_id", pad, source) : pad);
    }

    public static T5Config fromFile(Path configJson) {
        return fromJson(Json.read(configJson), configJson);
    }

    private static int intKey(JsonNode c, String key, int dflt, Path source) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new UserException(source + ": '" + key + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    /** The config.json content transformers would write for this config. */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.putArray("architectures").add("T5ForConditionalGeneration");
        o.put("model_type", "t5");
        o.put("vocab_size", vocabSize);
        o.put("d_model", dModel);
        o.put("d_kv", dKv);
        o.put("d_ff", dFf);
        o.put("num_layers", numLayers);
        o.put("num_decoder_layers", numDecoderLayers);
        o.put("num_heads", numHeads);
        o.put("relative_attention_num_buckets", relativeAttentionNumBuckets);
        o.put("relative_attention_max_distance", relativeAttentionMaxDistance);
        o.put("dropout_rate", dropoutRate);
        o.put("layer_norm_epsilon", layerNormEpsilon);
        o.put("initializer_factor", 1.0);
        o.put("feed_forward_proj", gatedAct ? (denseActFn.equals("gelu_new") ? "gated-gelu" : "gated-" + denseActFn) : denseActFn);
        o.put("is_encoder_decoder", true);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        o.put("pad_token_id", padTokenId);
        o.put("eos_token_id", eosTokenId);
        o.put("decoder_start_token_id", decoderStartTokenId);
        o.put("use_cache", true);
        return o;
    }
}
