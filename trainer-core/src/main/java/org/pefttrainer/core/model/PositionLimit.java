package org.pefttrainer.core.model;

/**
 * How long a sequence a model takes: {@code positions} from config.json's {@code key}. A learned position table
 * (GPT-2's wpe) makes it a hard limit; rotary positions (Llama) run past it, but the model was not trained there.
 */
public record PositionLimit(int positions, String key, boolean hard) {
    /** No limit (T5's relative position buckets). */
    public static final PositionLimit NONE = new PositionLimit(Integer.MAX_VALUE, "", false);

    public boolean limited() {
        return positions != Integer.MAX_VALUE;
    }
}
