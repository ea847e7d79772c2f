package org.pefttrainer.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;

/**
 * Per-request decoding options (named as the config's generation section and transformers' generate() keywords)
 * applied on top of the defaults: a JSON object's fields for the server, the same names from command-line flags.
 * Like transformers, num_beams &gt; 1 without a strategy means beam search and do_sample means sampling. Every bad
 * name or value is a one-line {@link UserException}.
 */
public final class DecodingOptions {
    /** The option names, in the order they are listed in errors. */
    public static final List<String> NAMES = List.of("strategy", "max_new_tokens", "num_beams", "length_penalty",
            "no_repeat_ngram_size", "early_stopping", "temperature", "top_k", "top_p", "num_return_sequences", "seed",
            "do_sample", "use_cache", "ignore_eos");

    private final GenerationConfig defaults;
    private final int defaultBeams;

    /**
     * @param defaults     the settings a request without options gets
     * @param defaultBeams beams for a request that asks for strategy "beam" without num_beams
     */
    public DecodingOptions(GenerationConfig defaults, int defaultBeams) {
        this.defaults = defaults;
        this.defaultBeams = defaultBeams;
    }

    public GenerationConfig defaults() {
        return defaults;
    }

    /** The defaults with the options of {@code fields} (option name → value) applied; other names are refused. */
    public GenerationConfig apply(ObjectNode fields, Set<String> ignored) {
        GenerationConfig.Builder b = defaults.toBuilder();
        Strategy strategy = null;
        Integer beams = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (ignored.contains(key)) {
                continue;
            }
            switch (key) {
                case "strategy" -> strategy = strategy(v);
                case "max_new_tokens" -> b.maxNewTokens(integer(key, v));
                case "num_beams" -> b.numBeams(beams = integer(key, v));
                case "length_penalty" -> b.lengthPenalty(number(key, v));
                case "no_repeat_ngram_size" -> b.noRepeatNgramSize(integer(key, v));
                case "early_stopping" -> b.earlyStopping(earlyStopping(v));
                case "temperature" -> b.temperature(number(key, v));
                case "top_k" -> b.topK(integer(key, v));
                case "top_p" -> b.topP(number(key, v));
                case "num_return_sequences" -> b.numReturnSequences(integer(key, v));
                case "seed" -> b.seed(integer(key, v));
                case "do_sample" -> {
                    if (bool(key, v)) {
                        strategy = Strategy.SAMPLE;
                    }
                }
                case "use_cache" -> b.useCache(bool(key, v));
                case "ignore_eos" -> b.ignoreEos(bool(key, v));
                default -> throw new UserException("unknown field '" + key + "' (decoding options: "
                        + String.join(", ", NAMES) + ")");
            }
        }
        if (strategy == null && beams != null) {
            strategy = beams > 1 ? Strategy.BEAM : defaults.strategy() == Strategy.BEAM ? Strategy.GREEDY : null;
        }
        if (strategy != null) {
            b.strategy(strategy);
            if (strategy == Strategy.BEAM && beams == null) {
                b.numBeams(Math.max(defaults.numBeams(), defaultBeams));
            } else if (strategy != Strategy.BEAM && beams == null) {
                b.numBeams(1);
            }
        }
        return b.build();
    }

    private static Strategy strategy(JsonNode v) {
        if (v.isTextual()) {
            for (Strategy s : Strategy.values()) {
                if (s.name().equalsIgnoreCase(v.textValue())) {
                    return s;
                }
            }
        }
        throw new UserException("strategy must be \"greedy\", \"beam\" or \"sample\", got " + v);
    }

    private static EarlyStopping earlyStopping(JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue() ? EarlyStopping.AT_NUM_BEAMS : EarlyStopping.HEURISTIC;
        }
        if (v.isTextual() && v.textValue().toLowerCase(Locale.ROOT).equals("never")) {
            return EarlyStopping.NEVER;
        }
        throw new UserException("early_stopping must be true, false or \"never\", got " + v);
    }

    private static int integer(String key, JsonNode v) {
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.intValue();
        }
        if (v.isTextual()) {
            try {
                return Integer.parseInt(v.textValue().trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new UserException(key + " must be an integer, got " + v);
    }

    private static double number(String key, JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.textValue().trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new UserException(key + " must be a number, got " + v);
    }

    private static boolean bool(String key, JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual() && (v.textValue().equals("true") || v.textValue().equals("false"))) {
            return Boolean.parseBoolean(v.textValue());
        }
        throw new UserException(key + " must be true or false, got " + v);
    }
}
