package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;

/**
 * Generation for decoder-only models: greedy search, beam search (token for token as transformers 4.33.2, whose
 * hypothesis lengths count the prompt) or sampling over a left-padded batch ({@link CausalSession}), with the same
 * strategies as the encoder-decoder {@link Generator}. A row stops at any of the model's EOS ids. Returns the
 * continuation only.
 */
public final class CausalGenerator implements TextGenerator {
    private final CausalLM model;
    private final StepObserver observer;

    public CausalGenerator(CausalLM model) {
        this(model, null);
    }

    CausalGenerator(CausalLM model, StepObserver observer) {
        this.model = model;
        this.observer = observer;
    }

    @Override
    public GenerationResult generate(ForwardContext ctx, List<long[]> inputs, GenerationConfig config,
            TokenSink sink) {
        int n = inputs.size();
        if (n == 0) {
            return new GenerationResult(List.of());
        }
        int width = 0;
        for (int r = 0; r < n; r++) {
            long[] in = inputs.get(r);
            if (in.length == 0) {
                throw new UserException("generate: an input sequence is empty (expected at least one token id)");
            }
            for (long t : in) {
                if (t < 0 || t >= model.vocabSize()) {
                    throw new UserException("generate: token id " + t + " of input " + r
                            + " is outside the vocabulary [0, " + model.vocabSize() + ")");
                }
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
        GenerationConfig c = config.maxLength() > 0 ? config.toBuilder().maxNewTokens(newTokens).build() : config;
        SpecialTokens ids = SpecialTokens.of(model);
        try (DecodingSession session = new CausalSession(model, ctx, inputs, ids.padTokenId(), c.rowsPerInput(),
                c.useCache(), observer)) {
            return session.decode(c, ids, sink);
        }
    }
}
