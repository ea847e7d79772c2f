package org.pefttrainer.core.config;

import java.util.Optional;

/**
 * Section {@code generation}, named as Hugging Face's GenerationConfig fields. An empty value is a key that no
 * config and no override set: decoding then takes it from the model folder's generation_config.json, else from
 * transformers' default. {@code topK} 0 and {@code topP} 1 mean off.
 */
public record GenerationConfig(
        Optional<Strategy> strategy,
        Optional<Integer> maxNewTokens,
        Optional<Integer> numBeams,
        Optional<Double> lengthPenalty,
        Optional<Integer> noRepeatNgramSize,
        Optional<Boolean> earlyStopping,
        Optional<Double> temperature,
        Optional<Integer> topK,
        Optional<Double> topP,
        Optional<Integer> numReturnSequences,
        long seed,
        Optional<Boolean> useCache) {

    /** Every decoding key unset (seed 0): the model folder's generation_config.json and transformers decide. */
    public static GenerationConfig unset() {
        return new GenerationConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), 0, Optional.empty());
    }

    public enum Strategy implements ConfigEnum {
        GREEDY("greedy"),
        BEAM("beam"),
        SAMPLE("sample");

        private final String configName;

        Strategy(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
