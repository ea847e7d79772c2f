package org.pefttrainer.core.data;

import java.util.Locale;
import org.pefttrainer.core.UserException;

/**
 * How a record with several reference summaries (DialogSum test: summary1..3) becomes examples. Records with one
 * reference give one example whatever the convention.
 */
public enum ReferenceConvention {
    /** One example per record, with the first reference only (the official DialogSum baseline). */
    SUMMARY1,
    /**
     * One example per (record, reference) pair, as Hugging Face's {@code knkarthick/dialogsum} test split: 500
     * DialogSum test dialogues give 1,500 examples, with ids {@code <fname>_1 .. <fname>_3}.
     */
    ALL_PAIRS,
    /** One example per record with all references; the scorer takes the best-scoring one. */
    BEST_OF_THREE;

    /** Parses summary1 / all_pairs / best_of_three (case-insensitive, '-' accepted for '_'). */
    public static ReferenceConvention parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ReferenceConvention c : values()) {
            if (c.name().equals(n)) {
                return c;
            }
        }
        throw new UserException("unknown reference convention '" + name
                + "'; expected summary1, all_pairs or best_of_three");
    }
}
