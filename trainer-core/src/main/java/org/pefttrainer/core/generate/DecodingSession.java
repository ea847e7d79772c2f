package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import ai.djl.ndarray.NDArray;

/**
 * The model side of one generate call as the search strategies (greedy, beam, sampling) see it, whatever the task
 * type: rows of tokens that each start with a prefix (the decoder start token of an encoder-decoder, the left-padded
 * prompt of a decoder-only model), the next-token logits after a given length, and beam reordering.
 */
interface DecodingSession extends AutoCloseable {
    /** Decoding rows: inputs × rowsPerInput, the rows of one input consecutive. */
    int rows();

    /** Beams, or independent samples, per input. */
    int rowsPerInput();

    int vocabSize();

    /** A [rows][prefixLength + newTokens] buffer whose first prefixLength tokens are filled. */
    long[][] startTokens(int newTokens);

    /** Tokens each row starts with; what follows them is the generated continuation. */
    int prefixLength();

    /**
     * Padding among input {@code input}'s prefix tokens (a shorter prompt left-padded to the batch's widest): beam
     * search leaves it out of the lengths it scores with, so a row's beams do not depend on its batch.
     */
    default int padding(int input) {
        return 0;
    }

    /**
     * Next-token logits [rows, V] after {@code tokens[r][0..length)}. The result lives until the next step or close.
     */
    NDArray step(long[][] tokens, int length);

    /** Row {@code i} continues the sequence of row {@code parents[i]} from the next step on (beam search). */
    void reorder(int[] parents);

    @Override
    void close();

    /** {@code parents} to apply before the next step, or null when every row keeps its own state. */
    static int[] reordering(int[] parents) {
        for (int i = 0; i < parents.length; i++) {
            if (parents[i] != i) {
                return parents.clone();
            }
        }
        return null;
    }

    /** Runs the strategy the settings ask for over this session. */
    default GenerationResult decode(GenerationConfig config, SpecialTokens ids, TokenSink sink) {
        return new GenerationResult(switch (config.strategy()) {
            case GREEDY -> new GreedySearch(config, ids).run(this, sink);
            case BEAM -> new BeamSearch(config, ids).run(this);
            case SAMPLE -> new MultinomialSampling(config, ids).run(this, sink);
        });
    }
}
