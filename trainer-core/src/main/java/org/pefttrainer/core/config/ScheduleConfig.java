package org.pefttrainer.core.config;

/**
 * Section {@code optim.schedule}: linear warmup from 0, then the named shape down to finalLr. At most one of
 * warmupSteps and warmupRatio is non-zero (validated).
 */
public record ScheduleConfig(Kind name, int warmupSteps, double warmupRatio, double finalLr) {

    /**
     * Warmup steps for a run of {@code totalSteps} optimizer steps: warmupSteps when set, else
     * ceil(warmupRatio × totalSteps) (as Hugging Face's get_warmup_steps).
     */
    public int warmupStepsFor(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    }

    public enum Kind implements ConfigEnum {
        CONSTANT("constant"),
        LINEAR("linear"),
        COSINE("cosine");

        private final String configName;

        Kind(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
