package org.pefttrainer.core.generate;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;

/**
 * The one table of decoding settings, by their transformers names (the config's {@code generation.*} keys, serve's
 * request fields, generate's flags): each one's typed reading, how it sets a {@link GenerationConfig.Builder}, and
 * how to read it back. Every layer of {@link GenerationSettings} goes through it.
 */
public enum GenerationKey {
    STRATEGY("strategy", GenerationConfig::strategy, (b, v) -> b.strategy((Strategy) v), Kind.STRATEGY),
    MAX_NEW_TOKENS("max_new_tokens", GenerationConfig::maxNewTokens, (b, v) -> b.maxNewTokens((Integer) v),
            Kind.INT),
    NUM_BEAMS("num_beams", GenerationConfig::numBeams, (b, v) -> b.numBeams((Integer) v), Kind.INT),
    LENGTH_PENALTY("length_penalty", GenerationConfig::lengthPenalty, (b, v) -> b.lengthPenalty((Double) v),
            Kind.NUMBER),
    NO_REPEAT_NGRAM_SIZE("no_repeat_ngram_size", GenerationConfig::noRepeatNgramSize,
            (b, v) -> b.noRepeatNgramSize((Integer) v), Kind.INT),
    EARLY_STOPPING("early_stopping", GenerationConfig::earlyStopping, (b, v) -> b.earlyStopping((EarlyStopping) v),
            Kind.EARLY_STOPPING),
    TEMPERATURE("temperature", GenerationConfig::temperature, (b, v) -> b.temperature((Double) v),
            Kind.NUMBER),
    TOP_K("top_k", GenerationConfig::topK, (b, v) -> b.topK((Integer) v), Kind.INT),
    TOP_P("top_p", GenerationConfig::topP, (b, v) -> b.topP((Double) v), Kind.NUMBER),
    NUM_RETURN_SEQUENCES("num_return_sequences", GenerationConfig::numReturnSequences,
            (b, v) -> b.numReturnSequences((Integer) v), Kind.INT),
    SEED("seed", GenerationConfig::seed, (b, v) -> b.seed((Long) v), Kind.LONG),
    DO_SAMPLE("do_sample", c -> c.strategy() == Strategy.SAMPLE, (b, v) -> b.doSample((Boolean) v),
            Kind.BOOL),
    USE_CACHE("use_cache", GenerationConfig::useCache, (b, v) -> b.useCache((Boolean) v), Kind.BOOL),
    IGNORE_EOS("ignore_eos", GenerationConfig::ignoreEos, (b, v) -> b.ignoreEos((Boolean) v), Kind.BOOL);

    private final String key;
    private final Function<GenerationConfig, Object> getter;
    private final BiConsumer<GenerationConfig.Builder, Object> setter;
    private final Kind kind;

    /** The JSON value a key takes. */
    private enum Kind { INT, LONG, NUMBER, BOOL, EARLY_STOPPING, STRATEGY }

    GenerationKey(String key, Function<GenerationConfig, Object> getter, BiConsumer<GenerationConfig.Builder, Object> setter,
            Kind kind) {
        this.key = key;
        this.getter = getter;
        this.setter = setter;
        this.kind = kind;
    }

    /** The transformers name, e.g. max_new_tokens. */
    public String key() {
        return key;
    }

    public Object get(GenerationConfig c) {
        return getter.apply(c);
    }

    /** Sets a value of this key's type (as {@link #read} returns it) on {@code b}. */
    public void set(GenerationConfig.Builder b, Object value) {
        setter.accept(b, value);
    }

    /**
     * The typed value of a request field or config value: JSON's own type, or text ("4", "true", "Beam", "NEVER");
     * a one-line error naming the key otherwise.
     */
    public Object read(JsonNode v) {
        Object value = typed(v);
        if (value == null && v.isTextual()) {
            value = parsed(v.textValue());
        }
        if (value == null) {
            throw new UserException(key + " must be " + expected() + ", got " + v);
        }
        return value;
    }

    /**
     * The typed value of a generation_config.json key, which transformers writes with JSON's own types (no numbers
     * as text); {@code source} names the file in the one-line error.
     */
    public Object readJson(JsonNode v, Path source) {
        Object value = typed(v);
        if (value == null) {
            throw new UserException(source + ": '" + key + "' must be " + expected() + ", got " + v);
        }
        return value;
    }

    /** The value when {@code v} has this key's JSON type, else null. */
    private Object typed(JsonNode v) {
        return switch (kind) {
            case INT -> v.isIntegralNumber() && v.canConvertToInt() ? Integer.valueOf(v.intValue()) : null;
            case LONG -> v.isIntegralNumber() && v.canConvertToLong() ? Long.valueOf(v.longValue()) : null;
            case NUMBER -> v.isNumber() ? Double.valueOf(v.doubleValue()) : null;
            case BOOL -> v.isBoolean() ? Boolean.valueOf(v.booleanValue()) : null;
            case EARLY_STOPPING -> v.isBoolean() ? (v.booleanValue() ? EarlyStopping.AT_NUM_BEAMS
                    : EarlyStopping.HEURISTIC) : v.isTextual() && v.textValue().equals("never") ? EarlyStopping.NEVER
                    : null;
            case STRATEGY -> null;
        };
    }

    /** The value written as text, else null. */
    private Object parsed(String t) {
        try {
            return switch (kind) {
                case INT -> Integer.valueOf(Integer.parseInt(t.trim()));
                case LONG -> Long.valueOf(Long.parseLong(t.trim()));
                case NUMBER -> Double.valueOf(Double.parseDouble(t.trim()));
                case BOOL -> t.equals("true") || t.equals("false") ? Boolean.valueOf(t) : null;
                case EARLY_STOPPING -> t.toLowerCase(Locale.ROOT).equals("never") ? EarlyStopping.NEVER : null;
                case STRATEGY -> Arrays.stream(Strategy.values()).filter(s -> s.name().equalsIgnoreCase(t)).findFirst()
                        .orElse(null);
            };
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private String expected() {
        return switch (kind) {
            case INT, LONG -> "an integer";
            case NUMBER -> "a number";
            case BOOL -> "true or false";
            case EARLY_STOPPING -> "true, false or \"never\"";
            case STRATEGY -> "\"greedy\", \"beam\" or \"sample\"";
        };
    }

    public static Optional<GenerationKey> byName(String name) {
        for (GenerationKey k : values()) {
            if (k.key.equals(name)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
