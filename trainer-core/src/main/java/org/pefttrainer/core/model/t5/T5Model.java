package org.pefttrainer.core.model.t5;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.pefttrainer.core.model.BlockScope;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.EncoderOutput;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.tensor.Ops;

/**
 * T5ForConditionalGeneration (T5 v1.0, v1.1, FLAN-T5) as plain functions over weights named as in transformers.
 * Read top to bottom it is the forward pass: embeddings, encoder blocks (self-attention, feed-forward), decoder
 * blocks (causal self-attention, cross-attention, feed-forward), final norm, LM head.
 *
 * <p>Every projection goes through {@link #linear}: the frozen weight plus whatever the context's
 * {@link LinearHook} adds for that module name (this is where LoRA enters attention and the feed-forward).
 * Operation order follows transformers' modeling_t5.py so that fp32 results agree to rounding.
 */
public final class T5Model implements Seq2SeqLM {
    private final T5Config config;
    private final Weights weights;
    private final List<String> linearModules;

    public T5Model(T5Config config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.linearModules = T5Architecture.linearModules(config);
    }

    public T5Config config() {
        return config;
    }

    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode configJson(
            com.fasterxml.jackson.databind.node.ObjectNode folderConfig) {
        return config.toJson();
    }

    @Override
    public java.util.List<String> defaultLoraTargets() {
        return T5Architecture.DEFAULT_LORA_TARGETS;
    }

    @Override
    public String architecture() {
        return "T5ForConditionalGeneration";
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int hiddenSize() {
        return config.dModel();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    @Override
    public int eosTokenId() {
        return config.eosTokenId();
    }

    @Override
    public int decoderStartTokenId() {
        return config.decoderStartTokenId();
    }

    @Override
    public int numDecoderLayers() {
        return config.numDecoderLayers();
    }

    @Override
    public int numAttentionHeads() {
        return config.numHeads();
    }

    @Override
    public int numHiddenLayers() {
        return config.numLayers();
    }

    @Override
    public Weights weights() {
        return weights;
    }

    @Override
    public List<String> linearModules() {
        return linearModules;
    }

    @Override
    public String inputEmbeddingName() {
        return "shared.weight";
    }

    // ---------------------------------------------------------------- encoder

    @Override
    public EncoderOutput encode(ForwardContext ctx, NDArray inputIds, NDArray attentionMask) {
        // PEFT wraps T5's "shared" module only; the encoder and decoder keep calling the embedding as embed_tokens.
        NDArray h = Ops.embedding(inputIds, ctx.param(weights, tied("encoder.embed_tokens.weight")));
        NDArray mask = attentionMask;
        if (ctx.inputEmbeddingHook() != null) {
            NDArray[] r = ctx.inputEmbeddingHook().apply(h, mask, ctx);
            h = r[0];
            mask = r[1];
        }
        h = dropout(h, ctx);
        int s = (int) h.getShape().get(1);
        // Relative position bias of layer 0, shared by all layers, plus the padding mask.
        NDArray bias = positionBias(ctx, "encoder", s, s, 0, true).add(extendedMask(mask));
        for (int i = 0; i < config.numLayers(); i++) {
            String b = "encoder.block." + i + ".layer.";
            // the position bias is an input: its table trains in full fine-tuning and with bias=all
            h = BlockScope.run(ctx, null, -1, h, new NDArray[] {bias}, (c, in, side) -> {
                NDArray normed = norm(c, in, b + "0.layer_norm.weight");
                NDArray x = in.add(dropout(attention(c, b + "0.SelfAttention", normed, normed, side[0], null, -1), c));
                return x.add(dropout(feedForward(c, b + "1.DenseReluDense", norm(c, x, b + "1.layer_norm.weight")), c));
            });
        }
        h = dropout(norm(ctx, h, "encoder.final_layer_norm.weight"), ctx);
        return new EncoderOutput(h, mask);
    }

    // ---------------------------------------------------------------- decoder

    @Override
    public NDArray decode(ForwardContext ctx, EncoderOutput enc, NDArray decoderInputIds, DecoderCache cache) {
        NDArray h = dropout(Ops.embedding(decoderInputIds, ctx.param(weights, tied("decoder.embed_tokens.weight"))), ctx);
        int t = (int) decoderInputIds.getShape().get(1);
        int past = cache == null ? 0 : cache.length();
        int total = past + t;
        NDArray selfBias = positionBias(ctx, "decoder", t, total, past, false).add(causalMask(ctx, t, total, past));
        NDArray crossBias = extendedMask(enc.attentionMask());
        for (int i = 0; i < config.numDecoderLayers(); i++) {
            String b = "decoder.block." + i + ".layer.";
            int layer = i;
            h = BlockScope.run(ctx, cache, layer, h, new NDArray[] {enc.hidden(), selfBias}, (c, in, side) -> {
                NDArray normed = norm(c, in, b + "0.layer_norm.weight");
                NDArray x = in.add(dropout(attention(c, b + "0.SelfAttention", normed, normed, side[1], cache, layer), c));
                normed = norm(c, x, b + "1.layer_norm.weight");
                x = x.add(dropout(crossAttention(c, b + "1.EncDecAttention", normed, side[0], crossBias, cache, layer), c));
                return x.add(dropout(feedForward(c, b + "2.DenseReluDense", norm(c, x, b + "2.layer_norm.weight")), c));
            });
        }
        if (cache != null) {
            cache.advance(t);
        }
        h = dropout(norm(ctx, h, "decoder.final_layer_norm.weight"), ctx);
        if (config.tieWordEmbeddings()) {
            // T5 v1.0 rescales before the tied LM head (modeling_t5.py: sequence_output * model_dim**-0.5).
            h = Ops.mul(h, Math.pow(config.dModel(), -0.5));
        }
        return linear(ctx, "lm_head", h, config.tieWordEmbeddings() ? tied("lm_head.weight") : "lm_head.weight");
    }

    // ---------------------------------------------------------------- layers

    /** The frozen projection of module {@code module} plus the adapter hook's delta. */
    private NDArray linear(ForwardContext ctx, String module, NDArray x, String weightName) {
        NDArray y = Ops.linear(x, ctx.param(weights, weightName));
        return ctx.withHook(module, x, y);
    }

    /** {@code name} when the weights know it (as a tied alias of shared.weight), else shared.weight itself. */
    private String tied(String name) {
        return weights.contains(name) ? name : "shared.weight";
    }

    private NDArray linear(ForwardContext ctx, String module, NDArray x) {
        return linear(ctx, module, x, module + ".weight");
    }

    private NDArray norm(ForwardContext ctx, NDArray x, String weightName) {
        return Ops.rmsNorm(x, ctx.param(weights, weightName), config.layerNormEpsilon());
    }

    private NDArray dropout(NDArray x, ForwardContext ctx) {
        return ctx.dropout(x, config.dropoutRate());
    }

    /** Whether dropout masks come from the context's generator, so the rescale can move past a linear map. */
    private boolean foldedDropout(ForwardContext ctx) {
        return ctx.training() && config.dropoutRate() > 0 && ctx.dropoutMasks() != null;
    }

    private NDArray feedForward(ForwardContext ctx, String p, NDArray x) {
        NDArray hidden;
        if (config.gatedAct()) {
            NDArray gate = Ops.activation(config.denseActFn(), linear(ctx, p + ".wi_0", x));
            hidden = gate.mul(linear(ctx, p + ".wi_1", x));
        } else {
            hidden = Ops.activation(config.denseActFn(), linear(ctx, p + ".wi", x));
        }
        if (foldedDropout(ctx)) {
            // wo is linear (adapter deltas too), so the 1/(1-p) rescale is applied to its d_model-wide output
            // rather than to the d_ff-wide hidden state.
            NDArray out = linear(ctx, p + ".wo", ctx.dropoutUnscaled(hidden, config.dropoutRate()));
            return Ops.mul(out, 1.0 / (1.0 - config.dropoutRate()));
        }
        return linear(ctx, p + ".wo", dropout(hidden, ctx));
    }

    /** Self-attention; with a cache (decoder), new keys/values are appended to layer {@code layer}'s cache. */
    private NDArray attention(ForwardContext ctx, String p, NDArray x, NDArray kvInput, NDArray bias,
            DecoderCache cache, int layer) {
        NDArray q = heads(linear(ctx, p + ".q", x));
        NDArray k = heads(linear(ctx, p + ".k", kvInput));
        NDArray v = heads(linear(ctx, p + ".v", kvInput));
        if (cache != null) {
            NDArray[] kv = cache.appendSelf(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        return attend(ctx, p, q, k, v, bias);
    }

    /** Cross-attention over the encoder output; its keys/values are computed once per sequence and cached. */
    private NDArray crossAttention(ForwardContext ctx, String p, NDArray x, NDArray encHidden, NDArray bias,
            DecoderCache cache, int layer) {
        NDArray q = heads(linear(ctx, p + ".q", x));
        NDArray k;
        NDArray v;
        if (cache != null && cache.crossKey(layer) != null) {
            k = cache.crossKey(layer);
            v = cache.crossValue(layer);
        } else {
            k = heads(linear(ctx, p + ".k", encHidden));
            v = heads(linear(ctx, p + ".v", encHidden));
            if (cache != null) {
                cache.setCross(layer, k, v);
            }
        }
        return attend(ctx, p, q, k, v, bias);
    }

    /** softmax(q·kᵀ + bias)·v over heads, then the output projection. T5 does not scale the scores. */
    private NDArray attend(ForwardContext ctx, String p, NDArray q, NDArray k, NDArray v, NDArray bias) {
        // In place: the matmul output is fresh and not needed by backward; saves a [B, H, Tq, Tk] allocation.
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).addi(bias);
        NDArray probs = scores.softmax(-1);
        NDArray out;
        if (foldedDropout(ctx)) {
            // Dropout on the [B, H, Tq, Tk] probabilities; the rescale goes on the much smaller [B, H, Tq, D] output.
            out = Ops.mul(ctx.dropoutUnscaled(probs, config.dropoutRate()).matMul(v), 1.0 / (1.0 - config.dropoutRate()));
        } else {
            out = dropout(probs, ctx).matMul(v);
        }
        Shape s = out.getShape();
        NDArray merged = out.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), (long) config.innerDim());
        return linear(ctx, p + ".o", merged);
    }

    /** [B, T, H·D] → [B, H, T, D]. */
    private NDArray heads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), config.numHeads(), config.dKv()).transpose(0, 2, 1, 3);
    }

    /** Bias [1, H, Tq, Tk] from layer 0's relative_attention_bias table of {@code stack} (encoder or decoder). */
    private NDArray positionBias(ForwardContext ctx, String stack, int queryLen, int keyLen, int queryOffset,
            boolean bidirectional) {
        long[] buckets = RelativePositionBuckets.table(queryLen, keyLen, queryOffset, bidirectional,
                config.relativeAttentionNumBuckets(), config.relativeAttentionMaxDistance());
        NDArray ids = ctx.manager().create(buckets, new Shape(queryLen, keyLen));
        NDArray table = ctx.param(weights, stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight");
        return Ops.embedding(ids, table).transpose(2, 0, 1).expandDims(0);
    }

    /** [B, S] mask of 1/0 → additive [B, 1, 1, S] of 0 / fp32 min, as transformers' get_extended_attention_mask. */
    private static NDArray extendedMask(NDArray mask) {
        NDArray m = mask.toType(DataType.FLOAT32, false);
        return m.neg().add(1.0f).mul(-Float.MAX_VALUE).expandDims(1).expandDims(1);
    }

    /** Additive causal mask [1, 1, Tq, Tk] for queries at positions past..past+Tq-1. */
    private static NDArray causalMask(ForwardContext ctx, int queryLen, int keyLen, int past) {
        float[] m = new float[queryLen * keyLen];
        for (int i = 0; i < queryLen; i++) {
            for (int j = 0; j < keyLen; j++) {
                m[i * keyLen + j] = j <= past + i ? 0f : -Float.MAX_VALUE;
            }
        }
        NDManager mgr = ctx.manager();
        return mgr.create(m, new Shape(1, 1, queryLen, keyLen));
    }
}
