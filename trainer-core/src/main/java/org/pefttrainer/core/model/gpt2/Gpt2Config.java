package org.pefttrainer.core.model.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;

/** GPT-2's hyper-parameters as transformers' GPT2Config reads config.json (its defaults for missing keys). */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner,
        double layerNormEpsilon, String activation, boolean scaleAttnWeights, boolean scaleAttnByInverseLayerIdx,
        int bosTokenId, int eosTokenId, int padTokenId) {

    public int headDim() {
        return nEmbd / nHead;
    }

    public static Gpt2Config fromJson(JsonNode c, Path source) {
        String type = c.path("model_type").asText("");
        if (!type.equals("gpt2")) {
            throw new UserException(source + ": model_type '" + type + "' is not gpt2");
        }
        int embd = c.path("n_embd").asInt(768);
        int head = c.path("n_head").asInt(12);
        if (embd % head != 0) {
            throw new UserException(source + ": n_embd " + embd + " is not a multiple of n_head " + head);
        }
        String act = c.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new") && !act.equals("gelu") && !act.equals("relu")) {
            throw new UserException(source + ": activation_function '" + act + "' is not supported (gelu_new, gelu,"
                    + " relu)");
        }
        if (c.path("reorder_and_upcast_attn").asBoolean(false)) {
            throw new UserException(source + ": reorder_and_upcast_attn = true is not supported");
        }
        int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * embd;
        return new Gpt2Config(c.path("vocab_size").asInt(50257), c.path("n_positions").asInt(1024), embd,
                c.path("n_layer").asInt(12), head, inner, c.path("layer_norm_epsilon").asDouble(1e-5), act,
                c.path("scale_attn_weights").asBoolean(true), c.path("scale_attn_by_inverse_layer_idx").asBoolean(false),
                c.path("bos_token_id").asInt(50256), c.path("eos_token_id").asInt(50256),
                c.hasNonNull("pad_token_id") ? c.get("pad_token_id").asInt() : -1);
    }
}
