package org.pefttrainer.core.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.DecoderCache;
import org.pefttrainer.core.model.ForwardContext;

/**
 * Greedy decoding and sampling for decoder-only models, batched as transformers' generate() does it: prompts left-padded, the
 * attention mask covering prompt and generated tokens, position ids from the mask (cumsum - 1, padding at 1), the
 * whole prompt in one pass and then one token per step with the KV cache. No-repeat n-grams see the prompt too, as
 * transformers' input_ids do; a row stops at any of the model's EOS ids (Llama 3 lists several). Returns the
 * continuation only. Sampling (temperature, top-k, top-p) draws in Java from a seeded generator per row. Beam
 * search for decoder-only models is not implemented yet: asking for it is a one-line error.
 */
public final class CausalGenerator implements TextGenerator {
    private final CausalLM model;

    public CausalGenerator(CausalLM model) {
        this.model = model;
    }

    @Override
    public GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config) {
        boolean sample = config.strategy() == GenerationConfig.Strategy.SAMPLE;
        if (config.strategy() == GenerationConfig.Strategy.BEAM) {
            throw new UserException("generation settings: beam search is not supported for decoder-only models yet"
                    + " (greedy or sample)");
        }
        if (sample && config.numReturnSequences() != 1) {
            throw new UserException("generation settings: num_return_sequences > 1 is not supported for decoder-only"
                    + " models yet");
        }
        int n = inputs.size();
        if (n == 0) {
            return new GenerationResult(List.of());
        }
        int width = 0;
        for (long[] in : inputs) {
            if (in.length == 0) {
                throw new UserException("generate: an input sequence is empty (expected at least one token id)");
            }
            width = Math.max(width, in.length);
        }
        // transformers' max_length (generation_config.json or its default of 20) counts the prompt of a decoder-only
        // model: the new tokens are what is left after the longest prompt; max_new_tokens, when set, wins.
        int newTokens = config.maxLength() > 0 ? config.maxLength() - width : config.maxNewTokens();
        if (newTokens < 1) {
            throw new UserException("generation settings: max_length " + config.maxLength() + " (generation_config.json,"
                    + " or transformers' default) counts the prompt of a decoder-only model and leaves no room after a "
                    + width + "-token prompt: set generation.max_new_tokens (or --max-new-tokens)");
        }
        int total = width + newTokens;
        java.util.Set<Long> stops = new java.util.HashSet<>();
        for (int e : model.eosTokenIds()) {
            stops.add((long) e);
        }
        long pad = model.padTokenId() >= 0 ? model.padTokenId() : model.eosTokenId();
        long[][] seq = new long[n][total];
        long[] mask = new long[n * total];
        for (int r = 0; r < n; r++) {
            Arrays.fill(seq[r], pad);
            long[] in = inputs.get(r);
            int off = width - in.length;
            System.arraycopy(in, 0, seq[r], off, in.length);
            for (int j = off; j < width; j++) {
                mask[r * total + j] = 1;
            }
        }
        NoRepeatNGram noRepeat = new NoRepeatNGram(config.noRepeatNgramSize());
        // Sampling draws in Java, one SplittableRandom per row split from the seed, as the seq2seq sampler does:
        // the same seed gives the same samples, whatever the threads (not torch.multinomial's values).
        SamplingWarpers warpers = new SamplingWarpers(config.temperature(), config.topK(), config.topP());
        java.util.SplittableRandom seeded = new java.util.SplittableRandom(config.seed());
        java.util.SplittableRandom[] random = new java.util.SplittableRandom[n];
        for (int r = 0; r < n; r++) {
            random[r] = seeded.split();
        }
        boolean[] done = new boolean[n];
        int[] generated = new int[n];
        DecoderCache cache = config.useCache() ? model.newCache() : null;
        NDManager root = ctx.manager();
        for (int step = 0; step < newTokens; step++) {
            int length = width + step;
            try (NDManager m = root.newSubManager()) {
                ForwardContext c = ctx.withManager(m);
                int from = cache == null || step == 0 ? 0 : length - 1;
                long[] ids = new long[n * (length - from)];
                long[] pos = new long[n * (length - from)];
                long[] att = new long[n * length];
                for (int r = 0; r < n; r++) {
                    long p = -1;
                    for (int j = 0; j < length; j++) {
                        att[r * length + j] = mask[r * total + j];
                        p += mask[r * total + j];
                        if (j >= from) {
                            ids[r * (length - from) + j - from] = seq[r][j];
                            pos[r * (length - from) + j - from] = mask[r * total + j] == 0 ? 1 : p;
                        }
                    }
                }
                NDArray[] before = cacheArrays(cache);
                Shape s = new Shape(n, length - from);
                NDArray logits = model.forward(c, m.create(ids, s), m.create(att, new Shape(n, length)),
                        m.create(pos, s), cache);
                NDArray last = logits.get(":, -1, :");
                long[] next;
                if (sample) {
                    float[] all = last.toFloatArray();
                    int vocab = (int) last.getShape().get(1);
                    float[] row = new float[vocab];
                    next = new long[n];
                    for (int r = 0; r < n; r++) {
                        if (done[r]) {
                            continue;
                        }
                        System.arraycopy(all, r * vocab, row, 0, vocab);
                        noRepeat.apply(row, seq[r], length);
                        warpers.apply(row);
                        next[r] = MultinomialSampling.draw(SamplingWarpers.probabilities(row), random[r].nextDouble());
                    }
                } else {
                    next = noRepeat.apply(last, seq, length).argMax(-1).toLongArray();
                }
                if (cache != null) {
                    keep(cache, before, root);
                }
                for (int r = 0; r < n; r++) {
                    long t = done[r] ? pad : next[r];
                    seq[r][length] = t;
                    mask[r * total + length] = 1;
                    if (!done[r]) {
                        generated[r]++;
                        if (stops.contains(t) && !config.ignoreEos()) {
                            done[r] = true;
                        }
                    }
                }
            }
            boolean all = true;
            for (boolean d : done) {
                all &= d;
            }
            if (all) {
                break;
            }
        }
        List<List<GeneratedSequence>> rows = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            rows.add(List.of(new GeneratedSequence(Arrays.copyOfRange(seq[r], width, width + generated[r]), Double.NaN)));
        }
        return new GenerationResult(rows);
    }

    private NDArray[] cacheArrays(DecoderCache cache) {
        if (cache == null) {
            return null;
        }
        NDArray[] a = new NDArray[2 * model.numLayers()];
        for (int l = 0; l < model.numLayers(); l++) {
            a[2 * l] = cache.selfKey(l);
            a[2 * l + 1] = cache.selfValue(l);
        }
        return a;
    }

    /**
     * The step's new cache arrays move out of the step's manager (closed after the step) to the call's; the ones
     * they replace are freed now, so a long generation holds one cache, not one per step.
     */
    private void keep(DecoderCache cache, NDArray[] before, NDManager root) {
        NDArray[] now = cacheArrays(cache);
        for (int i = 0; i < now.length; i++) {
            if (now[i] != null && now[i] != before[i]) {
                now[i].attach(root);
                if (before[i] != null) {
                    before[i].close();
                }
            }
        }
    }
}
