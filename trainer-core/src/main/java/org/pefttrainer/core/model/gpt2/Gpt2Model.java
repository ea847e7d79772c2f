package org.pefttrainer.core.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.BlockScope;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.CausalInputs;
import org.pefttrainer.core.model.CausalMask;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.PositionLimit;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.tensor.Ops;

/**
 * GPT2LMHeadModel as plain functions over weights named as in transformers: token plus learned position
 * embeddings; per block LayerNorm, causal self-attention from the fused c_attn projection, LayerNorm, the MLP
 * (c_fc, gelu_new, c_proj), each with a residual; a final LayerNorm and the LM head tied to the token embeddings.
 *
 * <p>Every projection goes through {@link #conv1d}: the frozen Conv1D weight ([in, out]) and bias, plus what the
 * context's {@link LinearHook} adds for that module name ({@code transformer.h.3.attn.c_attn}): LoRA enters here,
 * with the same A and B shapes as on a linear layer (PEFT's fan_in_fan_out = true).
 */
public final class Gpt2Model implements CausalLM {
    private final Gpt2Config config;
    private final Weights weights;
    private final List<String> linearModules;
    private final java.util.Set<String> conv1dModules;

    public Gpt2Model(Gpt2Config config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.linearModules = Gpt2Architecture.linearModules(config);
        this.conv1dModules = Gpt2Architecture.conv1dModules(config);
    }

    public Gpt2Config config() {
        return config;
    }

    @Override
    public java.util.List<String> defaultLoraTargets() {
        return Gpt2Architecture.DEFAULT_LORA_TARGETS;
    }

    @Override
    public String architecture() {
        return "GPT2LMHeadModel";
    }

    @Override
    public PositionLimit positionLimit() {
        return new PositionLimit(config.nPositions(), "n_positions", true);
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int hiddenSize() {
        return config.nEmbd();
    }

    @Override
    public int numLayers() {
        return config.nLayer();
    }

    @Override
    public int bosTokenId() {
        return config.bosTokenId();
    }

    @Override
    public int eosTokenId() {
        return config.eosTokenId();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    @Override
    public int numAttentionHeads() {
        return config.nHead();
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
    public java.util.List<String> embeddingModules() {
        return Gpt2Architecture.EMBEDDING_MODULES;
    }

    @Override
    public String inputEmbeddingName() {
        return "transformer.wte.weight";
    }

    @Override
    public java.util.Set<String> conv1dModules() {
        return conv1dModules;
    }

    @Override
    public NDArray hiddenStates(ForwardContext ctx, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
                                DecoderCache cache) {
        long batch = inputIds.getShape().get(0);
        NDManager m = ctx.manager();
        CausalInputs in0 = CausalInputs.prepare(ctx, ctx.embedding(weights, "transformer.wte", inputIds),
                attentionMask, positionIds, cache);
        int len = in0.length();
        int past = in0.past();
        int keys = past + len;
        if (keys > config.nPositions()) {
            throw new UserException("gpt2: a sequence of " + keys + " tokens is longer than n_positions "
                    + config.nPositions());
        }
        NDArray bias = CausalMask.additive(m, in0.attentionMask(), batch, len, keys, past);
        // learned positions are added after the hook: soft-prompt rows get theirs too, as in PEFT
        NDArray h = in0.embeddings().add(Ops.embedding(in0.positions(), ctx.param(weights, "transformer.wpe.weight")));
        for (int i = 0; i < config.nLayer(); i++) {
            String p = "transformer.h." + i + ".";
            int layer = i;
            h = BlockScope.run(ctx, cache, layer, h, new NDArray[0], (c, in, side) -> {
                NDArray x = in.add(attention(c, p + "attn", norm(c, in, p + "ln_1"), bias, cache, layer));
                NDArray hidden = Ops.activation(config.activation(), conv1d(c, p + "mlp.c_fc", norm(c, x, p + "ln_2")));
                return x.add(conv1d(c, p + "mlp.c_proj", hidden));
            });
        }
        if (cache != null) {
            cache.advance(len);
        }
        return norm(ctx, h, "transformer.ln_f");
    }

    /** The tied head: the token embeddings, plus the hook's delta under the name "lm_head". */
    @Override
    public NDArray logits(ForwardContext ctx, NDArray hidden) {
        return ctx.withHook("lm_head", hidden, Ops.linear(hidden, ctx.param(weights, "lm_head.weight")));
    }

    /** x·W + b for a Conv1D module plus the adapter hook's delta. */
    private NDArray conv1d(ForwardContext ctx, String module, NDArray x) {
        NDArray y = Ops.conv1d(x, ctx.param(weights, module + ".weight"), ctx.param(weights, module + ".bias"));
        return ctx.withHook(module, x, y);
    }

    private NDArray norm(ForwardContext ctx, NDArray x, String p) {
        return Ops.layerNorm(x, ctx.param(weights, p + ".weight"), ctx.param(weights, p + ".bias"),
                config.layerNormEpsilon());
    }

    private NDArray attention(ForwardContext ctx, String p, NDArray x, NDArray bias, DecoderCache cache, int layer) {
        NDArray qkv = conv1d(ctx, p + ".c_attn", x);
        long d = config.nEmbd();
        NDArray q = heads(qkv.get("..., 0:" + d));
        NDArray k = heads(qkv.get("..., " + d + ":" + 2 * d));
        NDArray v = heads(qkv.get("..., " + 2 * d + ":"));
        if (cache != null) {
            NDArray[] kv = cache.appendSelf(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray scores = Ops.attentionScores(q, k, config.scaleAttnWeights() ? Math.sqrt(config.headDim()) : 1.0);
        if (config.scaleAttnByInverseLayerIdx()) {
            scores = Ops.div(scores, layer + 1);
        }
        NDArray out = scores.addi(bias).softmax(-1).matMul(v);
        Shape s = out.getShape();
        return conv1d(ctx, p + ".c_proj", out.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), d));
    }

    /** [B, T, H·D] → [B, H, T, D]. */
    private NDArray heads(NDArray x) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), config.nHead(), config.headDim()).transpose(0, 2, 1, 3);
    }
}
