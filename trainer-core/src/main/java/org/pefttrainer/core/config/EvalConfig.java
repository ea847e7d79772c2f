package org.pefttrainer.core.config;

/**
 * Section {@code eval}: scoring after each epoch and in {@code peft eval} (which splits and how many examples
 * are in {@link DataConfig}).
 *
 * @param earlyStoppingPatience epochs without a better metric before training stops; 0 = off
 * @param samplePredictions     predictions shown in logs and the report
 * @param metrics               text metric families computed: rouge, bleu, exact_match
 * @param validationLoss        whether each epoch also computes the validation loss and perplexity
 * @param adapters              adapter name → folder: the adapters a dataset's {@code adapter} column names (peft eval)
 */
public record EvalConfig(
        boolean everyEpoch,
        int batchSize,
        Metric metric,
        java.util.List<String> metrics,
        boolean validationLoss,
        boolean useStemmer,
        int earlyStoppingPatience,
        boolean keepBest,
        BootstrapConfig bootstrap,
        boolean report,
        int samplePredictions,
        java.util.Map<String, java.nio.file.Path> adapters) {

    public EvalConfig {
        adapters = java.util.Map.copyOf(adapters);
    }

    /** Without per-row adapters. */
    public EvalConfig(boolean everyEpoch, int batchSize, Metric metric, java.util.List<String> metrics,
            boolean validationLoss, boolean useStemmer, int earlyStoppingPatience, boolean keepBest,
            BootstrapConfig bootstrap, boolean report, int samplePredictions) {
        this(everyEpoch, batchSize, metric, metrics, validationLoss, useStemmer, earlyStoppingPatience, keepBest,
                bootstrap, report, samplePredictions, java.util.Map.of());
    }

    /**
     * Section {@code eval.bootstrap}.
     *
     * @param samples resamples; 0 = no intervals
     */
    public record BootstrapConfig(int samples, long seed, double confidence) {}

    /** The metric that picks the best epoch (ROUGE named as rouge_score names it); see {@link #lowerIsBetter}. */
    public enum Metric implements ConfigEnum {
        ROUGE1("rouge1"),
        ROUGE2("rouge2"),
        ROUGE_L("rougeL"),
        ROUGE_LSUM("rougeLsum"),
        BLEU("bleu"),
        EXACT_MATCH("exact_match"),
        VAL_LOSS("val_loss"),
        PERPLEXITY("perplexity");

        /** Losses improve downwards, scores upwards. */
        public boolean lowerIsBetter() {
            return this == VAL_LOSS || this == PERPLEXITY;
        }

        /** The metric family (eval.metrics) that computes it; null for the validation loss. */
        public String family() {
            return switch (this) {
                case BLEU -> "bleu";
                case EXACT_MATCH -> "exact_match";
                case VAL_LOSS, PERPLEXITY -> null;
                default -> "rouge";
            };
        }

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
