package org.pefttrainer.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
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
 * LlamaForCausalLM (and Mistral, Qwen2 with its q/k/v biases) as plain functions over weights named as in
 * transformers. Read top to bottom it is the forward pass: token embeddings; per layer RMSNorm, grouped-query
 * self-attention with rotary position embeddings, RMSNorm, the SiLU-gated MLP, each with a residual; a final
 * RMSNorm and the LM head (tied to the embeddings when config.json says so).
 *
 * <p>Every projection goes through {@link #linear}: the frozen weight (and bias) plus what the context's
 * {@link LinearHook} adds for that module name, e.g. {@code model.layers.3.self_attn.q_proj}: LoRA enters here.
 * Operation order follows transformers' modeling_llama.py so that fp32 results agree to rounding.
 */
public final class LlamaModel implements CausalLM {
    private final LlamaConfig config;
    private final Weights weights;
    private final List<String> linearModules;

    public LlamaModel(LlamaConfig config, Weights weights) {
        this.config = config;
        this.weights = weights;
        this.linearModules = LlamaArchitecture.linearModules(config);
    }

    public LlamaConfig config() {
        return config;
    }

    @Override
    public java.util.List<String> defaultLoraTargets() {
        return LlamaArchitecture.DEFAULT_LORA_TARGETS;
    }

    @Override
    public String architecture() {
        return switch (config.modelType()) {
            case "qwen2" -> "Qwen2ForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            default -> "LlamaForCausalLM";
        };
    }

    @Override
    public PositionLimit positionLimit() {
        return new PositionLimit(config.maxPositionEmbeddings(), "max_position_embeddings", false);
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int numLayers() {
        return config.numLayers();
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
    public int[] eosTokenIds() {
        return config.eosTokenIds().clone();
    }

    @Override
    public int padTokenId() {
        return config.padTokenId();
    }

    @Override
    public int numAttentionHeads() {
        return config.numHeads();
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
        return LlamaArchitecture.EMBEDDING_MODULES;
    }

    @Override
    public String inputEmbeddingName() {
        return "model.embed_tokens.weight";
    }

    @Override
    public NDArray hiddenStates(ForwardContext ctx, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
                                DecoderCache cache) {
        long batch = inputIds.getShape().get(0);
        NDManager m = ctx.manager();
        CausalInputs in0 = CausalInputs.prepare(ctx, ctx.embedding(weights, "model.embed_tokens", inputIds),
                attentionMask, positionIds, cache);
        int len = in0.length();
        int past = in0.past();
        int keys = past + len;
        if (config.slidingWindow() > 0 && keys > config.slidingWindow()) {
            throw new UserException(config.modelType() + ": a sequence of " + keys + " tokens is longer than the"
                    + " sliding window of " + config.slidingWindow() + " (sliding-window attention is not supported)");
        }
        NDArray[] cosSin = rotary(m, in0.positions(), keys);
        int groups = config.numHeads() / config.numKeyValueHeads();
        // rows of the grouped query layout are (group, position): the mask repeats once per group
        NDArray causal = CausalMask.additive(m, in0.attentionMask(), batch, len, keys, past);
        NDArray bias = groups > 1 ? causal.tile(new long[] {1, 1, groups, 1}) : causal;

        NDArray h = in0.embeddings();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            int layer = i;
            h = BlockScope.run(ctx, cache, layer, h, new NDArray[0], (c, in, side) -> {
                NDArray x = in.add(attention(c, p + "self_attn", norm(c, in, p + "input_layernorm.weight"), cosSin, bias,
                        cache, layer));
                return x.add(mlp(c, p + "mlp", norm(c, x, p + "post_attention_layernorm.weight")));
            });
        }
        if (cache != null) {
            cache.advance(len);
        }
        return norm(ctx, h, "model.norm.weight");
    }

    @Override
    public NDArray logits(ForwardContext ctx, NDArray hidden) {
        return linear(ctx, "lm_head", hidden);
    }

    /** The frozen projection of {@code module} (with its bias, if any) plus the adapter hook's delta. */
    private NDArray linear(ForwardContext ctx, String module, NDArray x) {
        NDArray y = Ops.linear(x, ctx.param(weights, module + ".weight"));
        String biasName = module + ".bias";
        if (weights.contains(biasName)) {
            y = y.add(ctx.param(weights, biasName));
        }
        return ctx.withHook(module, x, y);
    }

    private NDArray norm(ForwardContext ctx, NDArray x, String weightName) {
        return Ops.rmsNorm(x, ctx.param(weights, weightName), config.rmsNormEps());
    }

    /** down_proj(silu(gate_proj(x)) * up_proj(x)). */
    private NDArray mlp(ForwardContext ctx, String p, NDArray x) {
        NDArray gate = Ops.silu(linear(ctx, p + ".gate_proj", x));
        return linear(ctx, p + ".down_proj", gate.mul(linear(ctx, p + ".up_proj", x)));
    }

    private NDArray attention(ForwardContext ctx, String p, NDArray x, NDArray[] cosSin, NDArray bias,
                              DecoderCache cache, int layer) {
        NDArray q = heads(linear(ctx, p + ".q_proj", x), config.numHeads());
        NDArray k = heads(linear(ctx, p + ".k_proj", x), config.numKeyValueHeads());
        NDArray v = heads(linear(ctx, p + ".v_proj", x), config.numKeyValueHeads());
        q = rotate(q, cosSin);
        k = rotate(k, cosSin);
        if (cache != null) {
            NDArray[] kv = cache.appendSelf(layer, k, v); // the key/value heads only: the GQA repeat is not stored
            k = kv[0];
            v = kv[1];
        }
        // Grouped-query attention without repeating K and V (transformers' repeat_kv): the query heads of one
        // key/value head are stacked along the sequence axis, [B, Hkv, groups·T, D], and meet their K/V head once.
        int groups = config.numHeads() / config.numKeyValueHeads();
        Shape qs = q.getShape();
        long batch = qs.get(0);
        long len = qs.get(2);
        NDArray qg = groups == 1 ? q : q.reshape(batch, config.numKeyValueHeads(), groups * len, config.headDim());
        NDArray scores = Ops.attentionScores(qg, k, Math.sqrt(config.headDim())).addi(bias);
        NDArray out = scores.softmax(-1).matMul(v);
        if (groups > 1) {
            out = out.reshape(batch, config.numHeads(), len, config.headDim());
        }
        NDArray merged = out.transpose(0, 2, 1, 3).reshape(batch, len, (long) config.numHeads() * config.headDim());
        return linear(ctx, p + ".o_proj", merged);
    }

    /** [B, T, H·D] → [B, H, T, D]. */
    private NDArray heads(NDArray x, int n) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), n, config.headDim()).transpose(0, 2, 1, 3);
    }

    /** cos and sin [B, 1, T, D] at each row's positions: the frequencies twice, as transformers concatenates them. */
    private NDArray[] rotary(NDManager m, NDArray positions, int keys) {
        float[] inv = config.rope().inverseFrequencies(config.headDim(), keys);
        NDArray freq = m.create(inv).reshape(1, 1, inv.length);
        NDArray angles = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(freq);
        NDArray emb = angles.concat(angles, -1).expandDims(1);
        return new NDArray[] {emb.cos(), emb.sin()};
    }

    /** x·cos + rotate_half(x)·sin, rotate_half(x) = [-x2, x1]. */
    private static NDArray rotate(NDArray x, NDArray[] cosSin) {
        long half = x.getShape().get(3) / 2;
        NDArray x1 = x.get(new NDIndex("..., :{}", half));
        NDArray x2 = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(cosSin[0]).add(rotated.mul(cosSin[1]));
    }
}
