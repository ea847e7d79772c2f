package org.pefttrainer.core.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import org.pefttrainer.core.UserException;

/**
 * The hyper-parameters of the Llama family as transformers reads config.json: Llama 2/3.x, TinyLlama, SmolLM2,
 * Mistral (within its sliding window) and Qwen2/2.5 (q/k/v biases). Defaults are transformers' for missing keys.
 *
 * @param modelType    llama, mistral or qwen2
 * @param headDim      hidden_size / num_attention_heads unless config.json gives head_dim
 * @param qkvBias      q/k/v projections have biases (Qwen2, or attention_bias)
 * @param outputBias   o_proj has a bias (attention_bias; Qwen2 has none)
 * @param mlpBias      gate/up/down projections have biases (mlp_bias)
 * @param slidingWindow Mistral's attention window, or 0 when unlimited
 * @param padTokenId   -1 when config.json has none
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKeyValueHeads,
        int headDim,
        double rmsNormEps,
        int maxPositionEmbeddings,
        RopeScaling rope,
        boolean tieWordEmbeddings,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        String hiddenAct,
        int slidingWindow,
        int bosTokenId,
        int eosTokenId,
        int padTokenId,
        int[] eosTokenIds) {

    public static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    public static LlamaConfig fromJson(JsonNode c, Path source) {
        String type = c.path("model_type").asText("");
        if (!MODEL_TYPES.contains(type)) {
            throw new UserException(source + ": model_type '" + type + "' is not a Llama-family model (llama, mistral,"
                    + " qwen2)");
        }
        int hidden = positive(c, "hidden_size", 4096, source);
        int heads = positive(c, "num_attention_heads", 32, source);
        int kvHeads = c.hasNonNull("num_key_value_heads") ? positive(c, "num_key_value_heads", heads, source) : heads;
        if (heads % kvHeads != 0) {
            throw new UserException(source + ": num_attention_heads " + heads + " is not a multiple of"
                    + " num_key_value_heads " + kvHeads);
        }
        int headDim = c.hasNonNull("head_dim") ? positive(c, "head_dim", 0, source) : hidden / heads;
        if (!c.hasNonNull("head_dim") && hidden % heads != 0) {
            throw new UserException(source + ": hidden_size " + hidden + " is not a multiple of num_attention_heads "
                    + heads);
        }
        boolean qwen = type.equals("qwen2");
        boolean attentionBias = c.path("attention_bias").asBoolean(false);
        int window = 0;
        if (type.equals("mistral") && c.hasNonNull("sliding_window")) {
            window = c.get("sliding_window").asInt();
        }
        if (qwen && c.path("use_sliding_window").asBoolean(false)) {
            window = c.path("sliding_window").asInt(0);
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new UserException(source + ": hidden_act '" + act + "' is not supported (silu)");
        }
        int maxPos = positive(c, "max_position_embeddings", 2048, source);
        return new LlamaConfig(type, positive(c, "vocab_size", 32000, source), hidden,
                positive(c, "intermediate_size", 11008, source), positive(c, "num_hidden_layers", 32, source), heads,
                kvHeads, headDim, c.path("rms_norm_eps").asDouble(1e-6), maxPos,
                RopeScaling.fromJson(c, maxPos, source), c.path("tie_word_embeddings").asBoolean(false),
                qwen || attentionBias, attentionBias, c.path("mlp_bias").asBoolean(false), act, window,
                c.path("bos_token_id").asInt(1), firstInt(c.get("eos_token_id"), 2),
                c.hasNonNull("pad_token_id") ? c.get("pad_token_id").asInt() : -1, allInts(c.get("eos_token_id"), 2));
    }

    /** eos_token_id may be a list (Llama 3): the first is the one generation stops at here. */
    private static int firstInt(JsonNode n, int dflt) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        return n.isArray() ? (n.isEmpty() ? dflt : n.get(0).asInt()) : n.asInt();
    }

    private static int[] allInts(JsonNode n, int dflt) {
        if (n == null || n.isNull() || (n.isArray() && n.isEmpty())) {
            return new int[] {dflt};
        }
        if (!n.isArray()) {
            return new int[] {n.asInt()};
        }
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    private static int positive(JsonNode c, String key, int dflt, Path source) {
        JsonNode v = c.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || v.asInt() < 1) {
            throw new UserException(source + ": '" + key + "' must be a positive integer, got " + v);
        }
        return v.asInt();
    }
}
