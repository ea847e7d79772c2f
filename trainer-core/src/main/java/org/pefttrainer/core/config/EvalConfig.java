package org.pefttrainer.core.config;

/**
 * Section {@code eval}: scoring after each epoch and in {@code peft eval} (which splits and how many examples
 * are in {@link DataConfig}).
 *
 * @param earlyStoppingPatience epochs without a better metric before training stops; 0 = off
 * @param samplePredictions     predictions shown in logs and the report
 */
public record EvalConfig(
        boolean everyEpoch,
        int batchSize,
        Metric metric,
        boolean useStemmer,
        int earlyStoppingPatience,
        boolean keepBest,
        BootstrapConfig bootstrap,
        boolean report,
        int samplePredictions) {

    /**
     * Section {@code eval.bootstrap}.
     *
     * @param samples resamples; 0 = no intervals
     */
    public record BootstrapConfig(int samples, long seed, double confidence) {}

    /** The ROUGE variant that picks the best epoch, named as rouge_score names it. */
    public enum Metric implements ConfigEnum {
        ROUGE1("rouge1"),
        ROUGE2("rouge2"),
        ROUGE_L("rougeL"),
        ROUGE_LSUM("rougeLsum");

        private final String configName;

        Metric(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
