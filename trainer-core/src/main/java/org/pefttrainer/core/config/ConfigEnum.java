package org.pefttrainer.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An enum whose constants are written in config files under their own spelling ({@code prompt_tuning},
 * {@code rougeLsum}, {@code SAMPLE_VOCAB}); the rules table takes the allowed values from here so that the
 * validator and the typed view can never disagree.
 */
public interface ConfigEnum {

    /** The value as written in a config file. */
    String configName();

    /** The config spellings of {@code type}'s constants, in declaration order. */
    static <E extends Enum<E> & ConfigEnum> List<String> names(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.configName());
        }
        return names;
    }

    /**
     * The constant written {@code text} (case-insensitive, since PEFT writes some of these upper case and most of
     * ours are lower case). Only called on validated configs, so a miss is a bug.
     */
    static <E extends Enum<E> & ConfigEnum> E parse(Class<E> type, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.configName().toLowerCase(Locale.ROOT).equals(text.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + text);
    }
}
