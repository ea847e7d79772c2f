package org.pefttrainer.recipes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig;
import org.pefttrainer.core.io.hf.HfModelFolder;

/**
 * The generator's settings in layers, as transformers' {@code generate()} builds them: its GenerationConfig
 * defaults, then the model folder's generation_config.json, then the keys the config sets (file or override); the
 * command-line flags of generate/serve come last ({@link #withFlag}). Each setting remembers its layer so the log
 * can say where a non-default value came from.
 */
public final class Decoding {
    public static final String FROM_CONFIG = "config";
    public static final String FROM_MODEL = "generation_config.json";
    public static final String FROM_FLAG = "flag";
    /** Beams of strategy = beam when neither the config nor the model folder gives num_beams. */
    public static final int DEFAULT_BEAMS = 4;

    private final GenerationConfig settings;
    private final Map<String, String> sources;

    private Decoding(GenerationConfig settings, Map<String, String> sources) {
        this.settings = settings;
        this.sources = sources;
    }

    public GenerationConfig settings() {
        return settings;
    }

    /** The config's set keys on the model folder's generation_config.json on transformers' defaults. */
    public static Decoding of(org.pefttrainer.core.config.GenerationConfig g, HfModelFolder folder) {
        try {
            GenerationConfig fromModel = GenerationConfig.builder(folder).build();
            GenerationConfig.Builder b = fromModel.toBuilder();
            Map<String, String> sources = new LinkedHashMap<>();
            g.strategy().ifPresent(s -> {
                b.strategy(switch (s) {
                    case GREEDY -> GenerationConfig.Strategy.GREEDY;
                    case BEAM -> GenerationConfig.Strategy.BEAM;
                    case SAMPLE -> GenerationConfig.Strategy.SAMPLE;
                });
                sources.put("strategy", FROM_CONFIG);
                // Greedy and sampling run one beam whatever num_beams the folder gives; beam without a count
                // takes the folder's, else DEFAULT_BEAMS.
                if (g.numBeams().isEmpty()) {
                    if (s != org.pefttrainer.core.config.GenerationConfig.Strategy.BEAM) {
                        b.numBeams(1);
                    } else if (fromModel.numBeams() < 2) {
                        b.numBeams(DEFAULT_BEAMS);
                        sources.put("num_beams", FROM_CONFIG);
                    }
                }
            });
            set(sources, "max_new_tokens", g.maxNewTokens(), b::maxNewTokens);
            set(sources, "num_beams", g.numBeams(), b::numBeams);
            set(sources, "length_penalty", g.lengthPenalty(), b::lengthPenalty);
            set(sources, "no_repeat_ngram_size", g.noRepeatNgramSize(), b::noRepeatNgramSize);
            set(sources, "early_stopping", g.earlyStopping().map(e -> e ? GenerationConfig.EarlyStopping.AT_NUM_BEAMS
                    : GenerationConfig.EarlyStopping.HEURISTIC), b::earlyStopping);
            set(sources, "temperature", g.temperature(), b::temperature);
            set(sources, "top_k", g.topK(), b::topK);
            set(sources, "top_p", g.topP(), b::topP);
            set(sources, "num_return_sequences", g.numReturnSequences(), b::numReturnSequences);
            set(sources, "use_cache", g.useCache(), b::useCache);
            b.seed(g.seed());
            if (g.numBeams().isPresent() && g.strategy().isEmpty()) {
                // num_beams alone picks the strategy, as in transformers (unless the folder asks for sampling).
                if (fromModel.strategy() != GenerationConfig.Strategy.SAMPLE) {
                    b.strategy(g.numBeams().get() > 1 ? GenerationConfig.Strategy.BEAM : GenerationConfig.Strategy.GREEDY);
                    sources.put("strategy", FROM_CONFIG);
                }
            }
            GenerationConfig built = b.build();
            return new Decoding(built, modelSources(built, fromModel, sources));
        } catch (IllegalArgumentException e) {
            throw new UserException("generation: " + e.getMessage());
        }
    }

    /** The same settings, with {@code keys} marked as set by a generate/serve flag (flags arrive as config keys). */
    public Decoding fromFlags(List<String> keys) {
        Map<String, String> s = new LinkedHashMap<>(sources);
        for (String k : keys) {
            s.put(k, FROM_FLAG);
        }
        return new Decoding(settings, s);
    }

    /** Settings from a generate/serve flag (or a request's field), on top of these. */
    public Decoding withFlags(GenerationConfig flagged) {
        Map<String, String> s = new LinkedHashMap<>(sources);
        for (Map.Entry<String, Function<GenerationConfig, Object>> f : FIELDS.entrySet()) {
            if (!f.getValue().apply(flagged).equals(f.getValue().apply(settings))) {
                s.put(f.getKey(), FROM_FLAG);
            }
        }
        return new Decoding(flagged, s);
    }

    /** Where each setting came from: config, generation_config.json or flag (keys absent: transformers' default). */
    public Map<String, String> sources() {
        return sources;
    }

    /**
     * One line for the log: every setting that differs from transformers' default, with its source, e.g.
     * {@code decoding: greedy; max_new_tokens=48 (config), no_repeat_ngram_size=3 (config)}.
     */
    public String describe() {
        GenerationConfig dflt = GenerationConfig.builder().build();
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Function<GenerationConfig, Object>> f : FIELDS.entrySet()) {
            Object v = f.getValue().apply(settings);
            if (f.getKey().equals("strategy") || v.equals(f.getValue().apply(dflt))) {
                continue;
            }
            parts.add(f.getKey() + "=" + show(v) + " (" + sources.getOrDefault(f.getKey(), "default") + ")");
        }
        String strategy = settings.strategy().name().toLowerCase(Locale.ROOT);
        String src = sources.get("strategy");
        return "decoding: " + strategy + (src == null ? "" : " (" + src + ")")
                + (parts.isEmpty() ? "; transformers' defaults otherwise" : "; " + String.join(", ", parts));
    }

    private static String show(Object v) {
        if (v instanceof GenerationConfig.EarlyStopping e) {
            return switch (e) {
                case AT_NUM_BEAMS -> "true";
                case HEURISTIC -> "false";
                case NEVER -> "never";
            };
        }
        return String.valueOf(v);
    }

    private static <T> void set(Map<String, String> sources, String key, Optional<T> v,
                                java.util.function.Consumer<T> apply) {
        if (v.isPresent()) {
            apply.accept(v.get());
            sources.put(key, FROM_CONFIG);
        }
    }

    /** Keys not set by the config whose value differs from transformers' default came from the folder. */
    private static Map<String, String> modelSources(GenerationConfig built, GenerationConfig fromModel,
                                                    Map<String, String> fromConfig) {
        GenerationConfig dflt = GenerationConfig.builder().build();
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Function<GenerationConfig, Object>> f : FIELDS.entrySet()) {
            String key = f.getKey();
            if (fromConfig.containsKey(key)) {
                out.put(key, fromConfig.get(key));
            } else if (!f.getValue().apply(fromModel).equals(f.getValue().apply(dflt))
                    && f.getValue().apply(built).equals(f.getValue().apply(fromModel))) {
                out.put(key, FROM_MODEL);
            }
        }
        return out;
    }

    /** The settings by their transformers names. */
    private static final Map<String, Function<GenerationConfig, Object>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("strategy", GenerationConfig::strategy);
        FIELDS.put("max_new_tokens", GenerationConfig::maxNewTokens);
        FIELDS.put("num_beams", GenerationConfig::numBeams);
        FIELDS.put("length_penalty", GenerationConfig::lengthPenalty);
        FIELDS.put("no_repeat_ngram_size", GenerationConfig::noRepeatNgramSize);
        FIELDS.put("early_stopping", GenerationConfig::earlyStopping);
        FIELDS.put("temperature", GenerationConfig::temperature);
        FIELDS.put("top_k", GenerationConfig::topK);
        FIELDS.put("top_p", GenerationConfig::topP);
        FIELDS.put("num_return_sequences", GenerationConfig::numReturnSequences);
        FIELDS.put("seed", GenerationConfig::seed);
        FIELDS.put("use_cache", GenerationConfig::useCache);
    }
}
