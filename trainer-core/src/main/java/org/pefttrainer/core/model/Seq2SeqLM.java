package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** An encoder-decoder language model over named weights (one implementation per architecture). */
public interface Seq2SeqLM extends LanguageModel {
    String architecture();

    int vocabSize();

    int hiddenSize();

    int padTokenId();

    int eosTokenId();

    int decoderStartTokenId();

    int numDecoderLayers();

    Weights weights();

    /** The names of every linear module, as LoRA targets see them. */
    List<String> linearModules();

    /** The name of the input embedding table (shared by encoder and decoder for T5). */
    String inputEmbeddingName();

    EncoderOutput encode(ForwardContext ctx, NDArray inputIds, NDArray attentionMask);

    /**
     * Decoder logits [B, T, V] for {@code decoderInputIds} [B, T]. With a cache, the ids are the new positions only
     * and the cache is extended; without one, the whole sequence is processed with a causal mask.
     */
    NDArray decode(ForwardContext ctx, EncoderOutput encoder, NDArray decoderInputIds, DecoderCache cache);

    @Override
    default TaskType taskType() {
        return TaskType.SEQ_2_SEQ_LM;
    }

    default DecoderCache newCache() {
        return new DecoderCache(numDecoderLayers());
    }

    /** Logits of a teacher-forced pass. */
    default NDArray forward(ForwardContext ctx, NDArray inputIds, NDArray attentionMask, NDArray decoderInputIds) {
        return decode(ctx, encode(ctx, inputIds, attentionMask), decoderInputIds, null);
    }
}
