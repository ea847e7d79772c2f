package org.pefttrainer.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A check on a value that already has the right type; the checks the rules table uses are built here. */
@FunctionalInterface
interface ValueCheck {

    /** Null when the value is fine, else what is wrong, to follow the key: "must be >= 1, got 0". */
    String problem(ConfigValue value);

    /** The value (as text) must be one of {@code allowed}, compared case-insensitively. */
    static ValueCheck oneOf(List<String> allowed) {
        return v -> {
            String text = Values.text(v);
            boolean ok = text != null
                    && allowed.stream().anyMatch(a -> a.equalsIgnoreCase(text.trim()));
            return ok ? null : "must be one of " + String.join(", ", allowed) + "; got " + Values.show(v);
        };
    }

    static <E extends Enum<E> & ConfigEnum> ValueCheck oneOf(Class<E> type) {
        return oneOf(ConfigEnum.names(type));
    }

    ValueCheck NOT_BLANK = v -> Values.text(v).isBlank() ? "must not be empty" : null;

    /** A folder name: the run name becomes one. */
    ValueCheck FOLDER_NAME = v -> {
        String s = Values.text(v);
        if (s.isBlank() || s.equals(".") || s.equals("..") || s.contains("/") || s.contains("\\")) {
            return "must be a folder name (not empty, no / or \\); got " + Values.show(v);
        }
        return null;
    };

    ValueCheck REGEX = v -> {
        try {
            Pattern.compile(Values.text(v));
            return null;
        } catch (PatternSyntaxException e) {
            return "is not a valid regex: " + e.getDescription() + " near index " + e.getIndex();
        }
    };

    /** Every element of a list is not blank. */
    ValueCheck NO_BLANK_ELEMENTS = v -> v instanceof ConfigList l && l.stream().anyMatch(e -> Values.text(e).isBlank())
            ? "must not contain empty names"
            : null;

    static ValueCheck listSize(int size) {
        return v -> v instanceof ConfigList l && l.size() != size
                ? "must have " + size + " elements; got " + l.size()
                : null;
    }

    /** Every element of a list of numbers lies in {@code range}. */
    static ValueCheck elementsIn(NumberRange range) {
        return v -> {
            if (v instanceof ConfigList l) {
                for (ConfigValue e : l) {
                    String p = range.problem(e);
                    if (p != null) {
                        return "elements " + p.replaceFirst(", got .*", "") + "; got " + Values.show(v);
                    }
                }
            }
            return null;
        };
    }

    /** The text contains {@code needle} (e.g. a template placeholder). */
    static ValueCheck contains(String needle) {
        return v -> Values.text(v).contains(needle) ? null : "must contain " + needle + "; got " + Values.show(v);
    }

    /** A string value must be one of {@code words} (a list is left to other checks): target_modules. */
    static ValueCheck stringOneOf(List<String> words) {
        return v -> v.valueType() == ConfigValueType.LIST
                ? null
                : oneOf(words).problem(v) == null
                        ? null
                        : "must be " + String.join(", ", words) + " or a list of names; got " + Values.show(v);
    }

    /** Every entry of an open section is a scalar: labels. */
    ValueCheck SCALAR_ENTRIES = v -> {
        for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
            if (!ValueType.STRING.accepts(e.getValue())) {
                return "entries must be strings, numbers or booleans; '" + e.getKey() + "' is "
                        + Values.show(e.getValue());
            }
        }
        return null;
    };

    /** Every entry of an open section is a non-empty string: folder paths. */
    ValueCheck PATH_ENTRIES = v -> {
        for (Map.Entry<String, ConfigValue> e : ((ConfigObject) v).entrySet()) {
            ConfigValue p = e.getValue();
            if (p.valueType() != ConfigValueType.STRING || Values.text(p).isBlank()) {
                return "entries must be folder paths (strings); '" + e.getKey() + "' is " + Values.show(p);
            }
        }
        return null;
    };
}
