package org.pefttrainer.core.generate;

import org.pefttrainer.core.model.SpecialTokens;
import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers 4.33 greedy_search: argmax of the (no-repeat-n-gram processed) logits; a row that emitted EOS keeps
 * emitting pad; stop when every row has finished or after max_new_tokens.
 */
final class GreedySearch {
    private final GenerationConfig config;
    private final SpecialTokens ids;
    private final NoRepeatNGram noRepeat;

    GreedySearch(GenerationConfig config, SpecialTokens ids) {
        this.config = config;
        this.ids = ids;
        this.noRepeat = new NoRepeatNGram(config.noRepeatNgramSize());
    }

    List<List<GeneratedSequence>> run(DecodingSession session, TokenSink sink) {
        int rows = session.rows();
        long[][] tokens = session.startTokens(config.maxNewTokens());
        int prefix = session.prefixLength();
        int maxLength = prefix + config.maxNewTokens();
        boolean[] finished = new boolean[rows];
        int length = prefix;
        int unfinished = rows;
        while (length < maxLength && unfinished > 0) {
            NDArray scores = noRepeat.apply(session.step(tokens, length), tokens, length);
            long[] next = scores.argMax(1).toLongArray();
            for (int r = 0; r < rows; r++) {
                long token = finished[r] ? ids.padTokenId() : next[r];
                tokens[r][length] = token;
                if (!finished[r] && (!sink.accept(r, token) || !config.ignoreEos() && ids.isEos(token))) {
                    finished[r] = true;
                    unfinished--;
                }
            }
            length++;
        }
        List<List<GeneratedSequence>> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            out.add(List.of(new GeneratedSequence(GeneratedSequence.cut(ids, tokens[r], prefix, length, config.ignoreEos()), Double.NaN)));
        }
        return out;
    }
}
