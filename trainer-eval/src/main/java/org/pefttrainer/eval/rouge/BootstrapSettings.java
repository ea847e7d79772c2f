package org.pefttrainer.eval.rouge;

/**
 * rouge_score's {@code BootstrapAggregator(confidence_interval, n_samples)} plus the numpy seed (rouge_score uses
 * numpy's global random state; our default 42 reproduces {@code np.random.seed(42)} before {@code aggregate()}).
 */
public record BootstrapSettings(double confidence, int resamples, int seed) {

    public static final BootstrapSettings DEFAULT = new BootstrapSettings(0.95, 1000, 42);

    public BootstrapSettings {
        if (!(confidence >= 0 && confidence <= 1)) {
            throw new IllegalArgumentException("confidence must be in [0, 1]: " + confidence);
        }
        if (resamples <= 0) {
            throw new IllegalArgumentException("resamples must be positive: " + resamples);
        }
        if (seed < 0) {
            throw new IllegalArgumentException("seed must be in 0.." + Integer.MAX_VALUE + ": " + seed);
        }
    }
}
