package org.pefttrainer.peft.prompt;

import java.util.Locale;
import org.pefttrainer.core.UserException;

/** How the soft prompt table starts (PEFT's {@code prompt_tuning_init}). */
public enum PromptTuningInit {
    /** nn.Embedding's default: every entry N(0, 1). */
    RANDOM,
    /**
     * Rows copied from the frozen input embedding table at token ids drawn uniformly from [0, table rows), as newer
     * PEFT versions do (PEFT 0.13.2 itself only knows RANDOM and TEXT, and loads such adapters all the same).
     */
    SAMPLE_VOCAB,
    /**
     * Rows copied from the embedding table at the token ids of {@code prompt_tuning_init_text}, special tokens
     * included (T5 appends &lt;/s&gt;), repeated or cut to the table's row count.
     */
    TEXT;

    public static PromptTuningInit parse(String s, String where) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserException(where + ": prompt_tuning_init '" + s
                    + "' is not one of RANDOM, SAMPLE_VOCAB, TEXT");
        }
    }
}
