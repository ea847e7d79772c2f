package org.pefttrainer.core.model;

/**
 * What a model does with a sequence, under PEFT's {@code task_type} names: an encoder-decoder maps a source to a
 * target ({@code SEQ_2_SEQ_LM}: T5), a decoder-only model continues its prompt ({@code CAUSAL_LM}: Llama, GPT-2).
 * Batching, the loss, generation and adapter files differ by task type, never by family.
 */
public enum TaskType {
    SEQ_2_SEQ_LM,
    CAUSAL_LM;

    /** The value of adapter_config.json's task_type. */
    public String peftName() {
        return name();
    }

    /** The short name the tool prints: "seq2seq" or "causal". */
    public String shortName() {
        return this == CAUSAL_LM ? "causal" : "seq2seq";
    }

    public boolean causal() {
        return this == CAUSAL_LM;
    }
}
