package org.pefttrainer.core.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.generate.GenerationConfig.EarlyStopping;
import org.pefttrainer.core.generate.GenerationConfig.Strategy;
import org.pefttrainer.core.io.hf.HfModelFolder;

/**
 * The generator's settings in layers, as transformers' {@code generate()} builds them: its GenerationConfig defaults,
 * then the model folder's generation_config.json, then the keys a config sets (file, override or a generate/serve
 * flag, which arrives as a config key), then a serve request's fields ({@link #apply}). Every layer names its keys
 * through the one table, {@link GenerationKey}; each setting remembers its layer, so the log says where a
 * non-default value came from.
 */
public final class GenerationSettings {
    public static final String FROM_CONFIG = "config";
    public static final String FROM_MODEL = "generation_config.json";
    public static final String FROM_FLAG = "flag";
    /** Beams of strategy = beam when neither the config nor the model folder gives num_beams. */
    public static final int DEFAULT_BEAMS = 4;
    /** The request fields {@link #apply} takes, in the order errors list them. */
    public static final List<String> NAMES = Arrays.stream(GenerationKey.values()).map(GenerationKey::key).toList();
    /** The settings the log shows and whose source is tracked (do_sample and ignore_eos are not settings of their own). */
    private static final List<GenerationKey> SHOWN = Arrays.stream(GenerationKey.values())
            .filter(k -> k != GenerationKey.DO_SAMPLE && k != GenerationKey.IGNORE_EOS).toList();

    private final GenerationConfig settings;
    private final Map<String, String> sources;
    private final int defaultBeams;

    private GenerationSettings(GenerationConfig settings, Map<String, String> sources, int defaultBeams) {
        this.settings = settings;
        this.sources = sources;
        this.defaultBeams = defaultBeams;
    }

    /** Settings already resolved; a request asking for beam search without num_beams gets {@code defaultBeams}. */
    public static GenerationSettings of(GenerationConfig settings, int defaultBeams) {
        return new GenerationSettings(settings, Map.of(), defaultBeams);
    }

    /** The config's set keys on the model folder's generation_config.json on transformers' defaults. */
    public static GenerationSettings of(Map<GenerationKey, Object> configured, HfModelFolder folder) {
        try {
            GenerationConfig fromModel = GenerationConfig.builder(folder).build();
            GenerationConfig.Builder b = fromModel.toBuilder();
            Map<String, String> sources = new LinkedHashMap<>();
            Strategy strategy = (Strategy) configured.get(GenerationKey.STRATEGY);
            boolean beamsSet = configured.containsKey(GenerationKey.NUM_BEAMS);
            if (strategy != null) {
                b.strategy(strategy);
                sources.put(GenerationKey.STRATEGY.key(), FROM_CONFIG);
                // Greedy and sampling run one beam whatever num_beams the folder gives; beam without a count
                // takes the folder's, else DEFAULT_BEAMS.
                if (!beamsSet) {
                    if (strategy != Strategy.BEAM) {
                        b.numBeams(1);
                    } else if (fromModel.numBeams() < 2) {
                        b.numBeams(DEFAULT_BEAMS);
                        sources.put(GenerationKey.NUM_BEAMS.key(), FROM_CONFIG);
                    }
                }
            }
            configured.forEach((key, value) -> {
                if (key != GenerationKey.STRATEGY) {
                    key.set(b, value);
                    if (key != GenerationKey.SEED) { // always set (0 unless given): a default, not a choice
                        sources.put(key.key(), FROM_CONFIG);
                    }
                }
            });
            if (beamsSet && strategy == null && fromModel.strategy() != Strategy.SAMPLE) {
                // num_beams alone picks the strategy, as in transformers (unless the folder asks for sampling).
                b.strategy((Integer) configured.get(GenerationKey.NUM_BEAMS) > 1 ? Strategy.BEAM : Strategy.GREEDY);
                sources.put(GenerationKey.STRATEGY.key(), FROM_CONFIG);
            }
            GenerationConfig built = b.build();
            return new GenerationSettings(built, modelSources(built, fromModel, sources),
                    Math.max(built.numBeams(), DEFAULT_BEAMS));
        } catch (IllegalArgumentException e) {
            throw new UserException("generation: " + e.getMessage());
        }
    }

    public GenerationConfig settings() {
        return settings;
    }

    /** The same settings with {@code keys} marked as set by a generate/serve flag. */
    public GenerationSettings fromFlags(Collection<String> keys) {
        Map<String, String> s = new LinkedHashMap<>(sources);
        keys.forEach(k -> s.put(k, FROM_FLAG));
        return new GenerationSettings(settings, s, defaultBeams);
    }

    /** Where each setting came from: config, generation_config.json or flag (keys absent: transformers' default). */
    public Map<String, String> sources() {
        return sources;
    }

    /**
     * A request's fields (option name → value) over these settings; any other name is refused. Like transformers,
     * num_beams &gt; 1 without a strategy means beam search and do_sample means sampling. Every bad name or value is
     * a one-line {@link UserException}.
     */
    public GenerationConfig apply(ObjectNode fields, Set<String> ignored) {
        GenerationConfig.Builder b = settings.toBuilder();
        Strategy strategy = null;
        Integer beams = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (ignored.contains(e.getKey())) {
                continue;
            }
            GenerationKey key = GenerationKey.byName(e.getKey()).orElseThrow(() -> new UserException("unknown field '"
                    + e.getKey() + "' (decoding options: " + String.join(", ", NAMES) + ")"));
            Object value = key.read(e.getValue());
            switch (key) {
                case STRATEGY -> strategy = (Strategy) value;
                case DO_SAMPLE -> strategy = (Boolean) value ? Strategy.SAMPLE : strategy;
                case NUM_BEAMS -> {
                    beams = (Integer) value;
                    key.set(b, value);
                }
                default -> key.set(b, value);
            }
        }
        if (strategy == null && beams != null) {
            strategy = beams > 1 ? Strategy.BEAM : settings.strategy() == Strategy.BEAM ? Strategy.GREEDY : null;
        }
        if (strategy != null) {
            b.strategy(strategy);
            if (strategy == Strategy.BEAM && beams == null) {
                b.numBeams(Math.max(settings.numBeams(), defaultBeams));
            } else if (strategy != Strategy.BEAM && beams == null) {
                b.numBeams(1);
            }
        }
        return b.build();
    }

    /**
     * One line for the log: every setting that differs from transformers' default, with its source, e.g.
     * {@code decoding: greedy; max_new_tokens=48 (config), no_repeat_ngram_size=3 (config)}.
     */
    public String describe() {
        GenerationConfig dflt = GenerationConfig.builder().build();
        List<String> parts = new ArrayList<>();
        for (GenerationKey k : SHOWN) {
            Object v = k.get(settings);
            if (k == GenerationKey.STRATEGY || v.equals(k.get(dflt))) {
                continue;
            }
            parts.add(k.key() + "=" + show(v) + " (" + sources.getOrDefault(k.key(), "default") + ")");
        }
        String strategy = settings.strategy().name().toLowerCase(Locale.ROOT);
        String src = sources.get(GenerationKey.STRATEGY.key());
        return "decoding: " + strategy + (src == null ? "" : " (" + src + ")")
                + (parts.isEmpty() ? "; transformers' defaults otherwise" : "; " + String.join(", ", parts));
    }

    private static String show(Object v) {
        if (v instanceof EarlyStopping e) {
            return switch (e) {
                case AT_NUM_BEAMS -> "true";
                case HEURISTIC -> "false";
                case NEVER -> "never";
            };
        }
        return String.valueOf(v);
    }

    /** Keys not set by the config whose value differs from transformers' default came from the folder. */
    private static Map<String, String> modelSources(GenerationConfig built, GenerationConfig fromModel,
                                                    Map<String, String> fromConfig) {
        GenerationConfig dflt = GenerationConfig.builder().build();
        Map<String, String> out = new LinkedHashMap<>();
        for (GenerationKey k : SHOWN) {
            if (fromConfig.containsKey(k.key())) {
                out.put(k.key(), fromConfig.get(k.key()));
            } else if (!k.get(fromModel).equals(k.get(dflt)) && k.get(built).equals(k.get(fromModel))) {
                out.put(k.key(), FROM_MODEL);
            }
        }
        return out;
    }
}
