package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * Text generation with any {@link Seq2SeqLM}: greedy search, beam search (token for token as transformers 4.33.2)
 * or sampling, over a right-padded batch. The encoder runs once; the decoder runs one position per step with the
 * key/value cache, or over the whole prefix when the cache is off.
 *
 * <p>The caller's {@link ForwardContext} supplies the adapter hooks (LoRA, prompt tuning) and the parent manager;
 * generation always runs without dropout. Everything allocated lives in a child of that manager and is closed
 * before {@code generate} returns; the result is plain Java.
 */
public final class Generator {
    private final Seq2SeqLM model;
    private final StepObserver observer;

    public Generator(Seq2SeqLM model) {
        this(model, null);
    }

    Generator(Seq2SeqLM model, StepObserver observer) {
        this.model = model;
        this.observer = observer;
    }

    /**
     * Generates for {@code inputIds} [B, S] (int64, right-padded) with {@code attentionMask} [B, S] (1 = token,
     * 0 = padding). Returns, per input row, {@code config.numReturnSequences()} sequences.
     */
    public GenerationResult generate(ForwardContext ctx, NDArray inputIds, NDArray attentionMask,
            GenerationConfig config) {
        return generate(ctx, inputIds, attentionMask, config, TokenSink.NONE);
    }

    /** The same, showing each new token to {@code sink} as it is picked (see {@link TokenSink}). */
    public GenerationResult generate(ForwardContext ctx, NDArray inputIds, NDArray attentionMask,
            GenerationConfig config, TokenSink sink) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || !shape.equals(attentionMask.getShape())) {
            throw new IllegalArgumentException("input ids " + shape + " and attention mask "
                    + attentionMask.getShape() + " must both be [batch, length]");
        }
        if (shape.get(0) == 0) {
            return new GenerationResult(List.of());
        }
        SpecialTokens ids = SpecialTokens.of(model);
        try (DecodingSession session = new Seq2SeqSession(model, ctx, inputIds, attentionMask,
                config.rowsPerInput(), config.useCache(), observer)) {
            return session.decode(config, ids, sink);
        }
    }

    /** Generates for token id sequences of any lengths: right-pads them with the model's pad id and masks the pad. */
    public GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config) {
        return generate(ctx, inputs, config, TokenSink.NONE);
    }

    /** The same, showing each new token to {@code sink} as it is picked. */
    public GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config,
            TokenSink sink) {
        if (inputs.isEmpty()) {
            return new GenerationResult(List.of());
        }
        int width = 0;
        for (long[] in : inputs) {
            if (in.length == 0) {
                throw new UserException("generate: an input sequence is empty (expected at least one token id)");
            }
            width = Math.max(width, in.length);
        }
        long[] ids = new long[inputs.size() * width];
        long[] mask = new long[ids.length];
        Arrays.fill(ids, model.padTokenId());
        for (int r = 0; r < inputs.size(); r++) {
            long[] in = inputs.get(r);
            for (int i = 0; i < in.length; i++) {
                if (in[i] < 0 || in[i] >= model.vocabSize()) {
                    throw new UserException("generate: token id " + in[i] + " of input " + r
                            + " is outside the vocabulary [0, " + model.vocabSize() + ")");
                }
            }
            System.arraycopy(in, 0, ids, r * width, in.length);
            Arrays.fill(mask, r * width, r * width + in.length, 1L);
        }
        try (NDManager m = ctx.manager().newSubManager()) {
            Shape shape = new Shape(inputs.size(), width);
            return generate(ctx.withManager(m), m.create(ids, shape), m.create(mask, shape), config, sink);
        }
    }
}
