package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Section {@code model}.
 *
 * @param path            the Hugging Face model folder
 * @param initIfMissing   build a random model at {@code path} when it does not exist
 * @param init            what to build then
 * @param dropout         dropout rate inside the model; empty = config.json's {@code dropout_rate}
 * @param dtype           compute dtype
 * @param configOverrides config.json keys to replace on load, values as plain Java (String, Number, Boolean,
 *                        List, Map, null), ready for Jackson
 */
public record ModelConfig(
        Path path,
        boolean initIfMissing,
        ModelInitConfig init,
        OptionalDouble dropout,
        Dtype dtype,
        Map<String, Object> configOverrides) {

    public ModelConfig {
        // Map.copyOf would reject the null values a config.json may legitimately hold.
        configOverrides = Collections.unmodifiableMap(new LinkedHashMap<>(configOverrides));
    }

    /**
     * Section {@code model.init}: the random model init-model builds.
     *
     * @param arch            architecture (t5)
     * @param size            size preset, checked by init-model
     * @param tokenizerCorpus JSONL file whose text trains the new tokenizer
     */
    public record ModelInitConfig(String arch, String size, Path tokenizerCorpus) {}

    /** The compute dtype. Only float32 for now: weights stored as F16/BF16 are widened on load. */
    public enum Dtype implements ConfigEnum {
        FLOAT32("float32");

        private final String configName;

        Dtype(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
