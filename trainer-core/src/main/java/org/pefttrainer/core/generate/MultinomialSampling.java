package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * transformers 4.33 sample(): no-repeat-n-gram ban on the raw logits, the warpers (temperature, top-k, top-p), then
 * one token drawn from the softmax; finished rows emit pad; stop when all rows finished or after max_new_tokens.
 *
 * <p>The draw is done in Java, not with torch's generator: each decoder row gets its own
 * {@link SplittableRandom} split in row order from one seeded with {@code config.seed()}, and draws one uniform
 * double per step (inverse CDF over the token probabilities in vocabulary order). The same model, inputs and
 * settings therefore give the same samples, independent of threads and of torch's global RNG state; the values
 * are not those torch.multinomial would draw.
 */
final class MultinomialSampling {
    private final GenerationConfig config;
    private final SpecialTokens ids;
    private final NoRepeatNGram noRepeat;
    private final SamplingWarpers warpers;

    MultinomialSampling(GenerationConfig config, SpecialTokens ids) {
        this.config = config;
        this.ids = ids;
        this.noRepeat = new NoRepeatNGram(config.noRepeatNgramSize());
        this.warpers = new SamplingWarpers(config.temperature(), config.topK(), config.topP());
    }

    List<List<GeneratedSequence>> run(DecodingSession session, TokenSink sink) {
        int rows = session.rows();
        int vocab = session.vocabSize();
        SplittableRandom root = new SplittableRandom(config.seed());
        SplittableRandom[] random = new SplittableRandom[rows];
        long[][] tokens = session.startTokens(config.maxNewTokens());
        int prefix = session.prefixLength();
        int maxLength = prefix + config.maxNewTokens();
        for (int r = 0; r < rows; r++) {
            random[r] = root.split();
        }
        boolean[] finished = new boolean[rows];
        int unfinished = rows;
        int length = prefix;
        float[] row = new float[vocab];
        while (length < maxLength && unfinished > 0) {
            NDArray logits = session.step(tokens, length);
            float[] all = logits.toFloatArray();
            for (int r = 0; r < rows; r++) {
                long token = ids.padTokenId();
                if (!finished[r]) {
                    System.arraycopy(all, r * vocab, row, 0, vocab);
                    noRepeat.apply(row, tokens[r], length);
                    warpers.apply(row);
                    token = draw(SamplingWarpers.probabilities(row), random[r].nextDouble());
                    if (!sink.accept(r, token) || !config.ignoreEos() && ids.isEos(token)) {
                        finished[r] = true;
                        unfinished--;
                    }
                }
                tokens[r][length] = token;
            }
            length++;
        }
        int perInput = session.rowsPerInput();
        List<List<GeneratedSequence>> out = new ArrayList<>();
        for (int b = 0; b < rows / perInput; b++) {
            List<GeneratedSequence> seqs = new ArrayList<>(perInput);
            for (int j = 0; j < perInput; j++) {
                long[] t = tokens[b * perInput + j];
                seqs.add(new GeneratedSequence(GeneratedSequence.cut(ids, t, prefix, length, config.ignoreEos()), Double.NaN));
            }
            out.add(seqs);
        }
        return out;
    }

    /** The first token whose cumulative probability exceeds {@code u} ∈ [0, 1); the last possible one on rounding. */
    static int draw(double[] probabilities, double u) {
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > 0) {
                cumulative += probabilities[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last;
    }
}
