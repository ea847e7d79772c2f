package org.pefttrainer.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Set;

/**
 * The type a key's value must have. Conversions follow Typesafe Config's getters (a number or boolean reads as a
 * string, "yes"/"off" read as booleans, numeric strings as numbers), because the typed view is read through them.
 */
enum ValueType {
    STRING("a string"),
    BOOLEAN("a boolean (true or false)"),
    INT("an integer"),
    LONG("an integer"),
    DOUBLE("a number"),
    STRING_LIST("a list of strings"),
    DOUBLE_LIST("a list of numbers"),
    STRING_OR_STRING_LIST("a string or a list of strings"),
    /** An open section: any keys. */
    OBJECT("a section { ... }");

    /** Exactly the strings Typesafe's getBoolean reads (case-sensitive). */
    private static final Set<String> BOOLEAN_WORDS = Set.of("true", "false", "yes", "no", "on", "off");

    private final String description;

    ValueType(String description) {
        this.description = description;
    }

    /** "an integer", "a list of strings"... */
    String description() {
        return description;
    }

    /** True if {@code v} (not null) can be read as this type. */
    boolean accepts(ConfigValue v) {
        return switch (this) {
            case STRING -> isScalar(v);
            case BOOLEAN -> v.valueType() == ConfigValueType.BOOLEAN
                    || (v.valueType() == ConfigValueType.STRING
                            && BOOLEAN_WORDS.contains((String) v.unwrapped()));
            case INT -> isIntegralIn(v, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case LONG -> isIntegralIn(v, Long.MIN_VALUE, Long.MAX_VALUE);
            case DOUBLE -> isFiniteNumber(v);
            case STRING_LIST -> v instanceof ConfigList l && l.stream().allMatch(ValueType::isScalar);
            case DOUBLE_LIST -> v instanceof ConfigList l && l.stream().allMatch(ValueType::isFiniteNumber);
            case STRING_OR_STRING_LIST -> STRING.accepts(v) || STRING_LIST.accepts(v);
            case OBJECT -> v.valueType() == ConfigValueType.OBJECT;
        };
    }

    private static boolean isScalar(ConfigValue v) {
        ConfigValueType t = v.valueType();
        return t == ConfigValueType.STRING || t == ConfigValueType.NUMBER || t == ConfigValueType.BOOLEAN;
    }

    private static boolean isFiniteNumber(ConfigValue v) {
        Double d = Values.number(v);
        return d != null && Double.isFinite(d);
    }

    private static boolean isIntegralIn(ConfigValue v, long min, long max) {
        if (!Values.isIntegral(v)) {
            return false;
        }
        if (v.unwrapped() instanceof Integer || v.unwrapped() instanceof Long) {
            long l = ((Number) v.unwrapped()).longValue();
            return l >= min && l <= max;
        }
        double d = Values.number(v);
        return d >= min && d <= max;
    }
}
