package org.pefttrainer.core.generate;

import com.fasterxml.jackson.databind.JsonNode;
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
    STRATEGY("strategy", GenerationConfig::strategy, (b, v) -> b.strategy((Strategy) v), GenerationKey::strategy),
    MAX_NEW_TOKENS("max_new_tokens", GenerationConfig::maxNewTokens, (b, v) -> b.maxNewTokens((Integer) v),
            GenerationKey::integer),
    NUM_BEAMS("num_beams", GenerationConfig::numBeams, (b, v) -> b.numBeams((Integer) v), GenerationKey::integer),
    LENGTH_PENALTY("length_penalty", GenerationConfig::lengthPenalty, (b, v) -> b.lengthPenalty((Double) v),
            GenerationKey::number),
    NO_REPEAT_NGRAM_SIZE("no_repeat_ngram_size", GenerationConfig::noRepeatNgramSize,
            (b, v) -> b.noRepeatNgramSize((Integer) v), GenerationKey::integer),
    EARLY_STOPPING("early_stopping", GenerationConfig::earlyStopping, (b, v) -> b.earlyStopping((EarlyStopping) v),
            GenerationKey::earlyStopping),
    TEMPERATURE("temperature", GenerationConfig::temperature, (b, v) -> b.temperature((Double) v),
            GenerationKey::number),
    TOP_K("top_k", GenerationConfig::topK, (b, v) -> b.topK((Integer) v), GenerationKey::integer),
    TOP_P("top_p", GenerationConfig::topP, (b, v) -> b.topP((Double) v), GenerationKey::number),
    NUM_RETURN_SEQUENCES("num_return_sequences", GenerationConfig::numReturnSequences,
            (b, v) -> b.numReturnSequences((Integer) v), GenerationKey::integer),
    SEED("seed", GenerationConfig::seed, (b, v) -> b.seed((Long) v), GenerationKey::longInteger),
    DO_SAMPLE("do_sample", c -> c.strategy() == Strategy.SAMPLE, (b, v) -> b.doSample((Boolean) v),
            GenerationKey::bool),
    USE_CACHE("use_cache", GenerationConfig::useCache, (b, v) -> b.useCache((Boolean) v), GenerationKey::bool),
    IGNORE_EOS("ignore_eos", GenerationConfig::ignoreEos, (b, v) -> b.ignoreEos((Boolean) v), GenerationKey::bool);

    private final String key;
    private final Function<GenerationConfig, Object> getter;
    private final BiConsumer<GenerationConfig.Builder, Object> setter;
    private final BiReader reader;

    private interface BiReader {
        Object read(String key, JsonNode v);
    }

    GenerationKey(String key, Function<GenerationConfig, Object> getter, BiConsumer<GenerationConfig.Builder, Object> setter,
            BiReader reader) {
        this.key = key;
        this.getter = getter;
        this.setter = setter;
        this.reader = reader;
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

    /** The typed value of a JSON value; a one-line error naming the key otherwise. */
    public Object read(JsonNode v) {
        return reader.read(key, v);
    }

    public static Optional<GenerationKey> byName(String name) {
        for (GenerationKey k : values()) {
            if (k.key.equals(name)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    private static Strategy strategy(String key, JsonNode v) {
        if (v.isTextual()) {
            for (Strategy s : Strategy.values()) {
                if (s.name().equalsIgnoreCase(v.textValue())) {
                    return s;
                }
            }
        }
        throw new UserException("strategy must be \"greedy\", \"beam\" or \"sample\", got " + v);
    }

    private static EarlyStopping earlyStopping(String key, JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue() ? EarlyStopping.AT_NUM_BEAMS : EarlyStopping.HEURISTIC;
        }
        if (v.isTextual() && v.textValue().toLowerCase(Locale.ROOT).equals("never")) {
            return EarlyStopping.NEVER;
        }
        throw new UserException("early_stopping must be true, false or \"never\", got " + v);
    }

    private static Integer integer(String key, JsonNode v) {
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

    private static Long longInteger(String key, JsonNode v) {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.textValue().trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new UserException(key + " must be an integer, got " + v);
    }

    private static Double number(String key, JsonNode v) {
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

    private static Boolean bool(String key, JsonNode v) {
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual() && (v.textValue().equals("true") || v.textValue().equals("false"))) {
            return Boolean.parseBoolean(v.textValue());
        }
        throw new UserException(key + " must be true or false, got " + v);
    }
}
