package org.pefttrainer.core.config;

/**
 * Section {@code generation}, named as Hugging Face's GenerationConfig fields. {@code topK} 0 and {@code topP} 1
 * mean off.
 */
public record GenerationConfig(
        Strategy strategy,
        int maxNewTokens,
        int numBeams,
        double lengthPenalty,
        int noRepeatNgramSize,
        boolean earlyStopping,
        double temperature,
        int topK,
        double topP,
        int numReturnSequences,
        long seed,
        boolean useCache) {

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
