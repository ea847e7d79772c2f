package org.pefttrainer.core.generate;

import java.util.Arrays;
import org.pefttrainer.core.model.Seq2SeqLM;

/** The model's decoder start, EOS and pad ids, and how a decoded row becomes a returned sequence. */
record SpecialTokens(long start, long eos, long pad) {
    static SpecialTokens of(Seq2SeqLM model) {
        return new SpecialTokens(model.decoderStartTokenId(), model.eosTokenId(), model.padTokenId());
    }

    /**
     * The tokens after the decoder start token among {@code row[0..length)}, cut after the first EOS (padding that
     * greedy search and sampling append to finished rows goes with it). With {@code keepAll} (ignore-EOS runs)
     * nothing is cut.
     */
    long[] generated(long[] row, int length, boolean keepAll) {
        int end = length;
        if (!keepAll) {
            for (int i = 1; i < length; i++) {
                if (row[i] == eos) {
                    end = i + 1;
                    break;
                }
            }
        }
        return Arrays.copyOfRange(row, 1, end);
    }
}
