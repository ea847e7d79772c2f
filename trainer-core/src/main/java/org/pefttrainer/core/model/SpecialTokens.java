package org.pefttrainer.core.model;

import java.util.Arrays;

/**
 * A model's special token ids as batching and generation use them: the pad id (short rows, finished rows), the EOS
 * ids (config.json may list several, as Llama 3 does; the first is the one kept on truncation and appended by beam
 * search) and the first decoder input of an encoder-decoder. Each family reads them from its own config
 * ({@link ModelFamily#specialTokens}); a loaded model gives them too ({@link #of(LanguageModel)}).
 */
public record SpecialTokens(int padTokenId, int[] eosTokenIds, int decoderStartTokenId) {

    public SpecialTokens {
        if (eosTokenIds.length == 0) {
            throw new IllegalArgumentException("at least one EOS id");
        }
        eosTokenIds = eosTokenIds.clone();
    }

    /** One EOS id. */
    public SpecialTokens(int padTokenId, int eosTokenId, int decoderStartTokenId) {
        this(padTokenId, new int[] {eosTokenId}, decoderStartTokenId);
    }

    /**
     * A loaded model's ids; a decoder-only model without a pad id pads with EOS, as transformers' generate() does,
     * and starts from its prompt (no decoder start: the pad id stands there).
     */
    public static SpecialTokens of(LanguageModel model) {
        if (model instanceof Seq2SeqLM s) {
            return new SpecialTokens(s.padTokenId(), s.eosTokenId(), s.decoderStartTokenId());
        }
        return decoderOnly(model.padTokenId(), model instanceof CausalLM c ? c.eosTokenIds()
                : new int[] {model.eosTokenId()});
    }

    /** A decoder-only model's ids: without a pad id (-1) it pads with its first EOS, as transformers' generate(). */
    public static SpecialTokens decoderOnly(int padTokenId, int[] eosTokenIds) {
        int pad = padTokenId >= 0 ? padTokenId : eosTokenIds[0];
        return new SpecialTokens(pad, eosTokenIds, pad);
    }

    /** The first EOS id. */
    public int eosTokenId() {
        return eosTokenIds[0];
    }

    public boolean isEos(long token) {
        for (int e : eosTokenIds) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecialTokens t && t.padTokenId == padTokenId && t.decoderStartTokenId == decoderStartTokenId
                && Arrays.equals(t.eosTokenIds, eosTokenIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * padTokenId + decoderStartTokenId) + Arrays.hashCode(eosTokenIds);
    }

    @Override
    public String toString() {
        return "SpecialTokens[pad=" + padTokenId + ", eos=" + Arrays.toString(eosTokenIds) + ", decoderStart="
                + decoderStartTokenId + "]";
    }
}
