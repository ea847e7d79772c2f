package org.pefttrainer.peft.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pefttrainer.core.UserException;

/**
 * PEFT's {@code target_modules}: a list of module names or name suffixes, a regular expression (any other string),
 * or the shorthand "all-linear". {@code null} where a config holds one means "PEFT's default for the architecture".
 */
public sealed interface TargetModules {
    /** PEFT's INCLUDE_LINEAR_LAYERS_SHORTHAND, compared case-insensitively. */
    String ALL_LINEAR = "all-linear";

    /** Module names or suffixes: a module matches when its name equals one or ends with "." + one. */
    record Names(List<String> names) implements TargetModules {
        public Names {
            names = List.copyOf(names);
        }

        @Override
        public JsonNode toJson() {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            names.forEach(a::add);
            return a;
        }

        @Override
        public String toString() {
            return names.toString();
        }
    }

    /** A Java regular expression that must match the whole module name (Python's re.fullmatch). */
    record Regex(String pattern) implements TargetModules {
        @Override
        public JsonNode toJson() {
            return TextNode.valueOf(pattern);
        }

        @Override
        public String toString() {
            return "'" + pattern + "'";
        }
    }

    /** Every linear layer except the output layer (lm_head); resolved to the layers' short names on injection. */
    record AllLinear(String spelling) implements TargetModules {
        @Override
        public JsonNode toJson() {
            return TextNode.valueOf(spelling);
        }

        @Override
        public String toString() {
            return "'" + spelling + "'";
        }
    }

    JsonNode toJson();

    static TargetModules names(String... names) {
        return new Names(List.of(names));
    }

    static TargetModules names(List<String> names) {
        return new Names(names);
    }

    /** A string as PEFT reads it: "all-linear" (any case) or a regular expression. */
    static TargetModules of(String s, String where) {
        if (s.toLowerCase(Locale.ROOT).equals(ALL_LINEAR)) {
            return new AllLinear(s);
        }
        try {
            Pattern.compile(s);
        } catch (PatternSyntaxException e) {
            throw new UserException(where + ": target_modules '" + s + "' is not a valid regular expression ("
                    + e.getDescription() + ")");
        }
        return new Regex(s);
    }

    static TargetModules allLinear() {
        return new AllLinear(ALL_LINEAR);
    }

    /** adapter_config.json's value: list of strings, string, or null (returned as null). */
    static TargetModules fromJson(JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return of(v.textValue(), where);
        }
        if (v.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode n : v) {
                if (!n.isTextual()) {
                    throw new UserException(where + ": target_modules must list module names (strings), got " + n);
                }
                names.add(n.textValue());
            }
            if (names.isEmpty()) {
                throw new UserException(where + ": target_modules is an empty list");
            }
            return new Names(names);
        }
        throw new UserException(where + ": target_modules must be a list of names or a string, got " + v);
    }
}
