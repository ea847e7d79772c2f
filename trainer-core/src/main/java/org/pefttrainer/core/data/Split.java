package org.pefttrainer.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.pefttrainer.core.UserException;

/** A dataset split. Datasets name the validation split differently (SAMSum "validation", DialogSum "dev"). */
public enum Split {
    TRAIN("train"),
    VALIDATION("validation", "dev", "val", "valid"),
    TEST("test");

    private final List<String> names;

    Split(String... names) {
        this.names = List.of(names);
    }

    /** The names this split goes by in file and folder names, the canonical one first. */
    public List<String> names() {
        return names;
    }

    /** The canonical (Hugging Face) name: train, validation, test. */
    public String canonicalName() {
        return names.get(0);
    }

    /** True if {@code name} is one of this split's names (case-insensitive). */
    public boolean matches(String name) {
        return names.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Parses train / validation / dev / val / valid / test. */
    public static Split parse(String name) {
        for (Split s : values()) {
            if (s.matches(name.trim())) {
                return s;
            }
        }
        throw new UserException("unknown split '" + name + "'; expected one of "
                + Arrays.stream(values()).flatMap(s -> s.names.stream()).collect(Collectors.joining(", ")));
    }
}
