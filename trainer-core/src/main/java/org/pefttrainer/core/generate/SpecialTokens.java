package org.pefttrainer.core.generate;

import java.util.Arrays;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.Seq2SeqLM;

/**
 * The ids generation stops at (config.json may list several EOS ids, as Llama 3 does; the first is the one beam
 * search appends) and pads finished rows with, and how a decoded row becomes a returned sequence.
 */
record SpecialTokens(long[] eos, long pad) {
    static SpecialTokens of(Seq2SeqLM model) {
        return new SpecialTokens(new long[] {model.eosTokenId()}, model.padTokenId());
    }

    /** A decoder-only model without a pad id pads with EOS, as transformers' generate() does. */
    static SpecialTokens of(CausalLM model) {
        int[] ids = model.eosTokenIds();
        long[] eos = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            eos[i] = ids[i];
        }
        return new SpecialTokens(eos, model.padTokenId() >= 0 ? model.padTokenId() : model.eosTokenId());
    }

    boolean isEos(long token) {
        for (long e : eos) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    long firstEos() {
        return eos[0];
    }

    /**
     * The tokens after the prefix among {@code row[0..length)}, cut after the first EOS (padding that greedy search
     * and sampling append to finished rows goes with it). With {@code keepAll} (ignore-EOS runs) nothing is cut.
     */
    long[] generated(long[] row, int prefix, int length, boolean keepAll) {
        int end = length;
        if (!keepAll) {
            for (int i = prefix; i < length; i++) {
                if (isEos(row[i])) {
                    end = i + 1;
                    break;
                }
            }
        }
        return Arrays.copyOfRange(row, prefix, end);
    }
}
