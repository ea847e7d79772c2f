package org.pefttrainer.core.train;

import java.util.Locale;

/**
 * Learning rate per optimizer update (0-based): linear warmup from 0 to the base rate over {@code warmupSteps},
 * then constant, linear or cosine decay to an explicit {@code finalLr} at {@code totalSteps} (transformers'
 * get_{constant,linear,cosine}_schedule_with_warmup, generalised to a non-zero end value).
 */
public record LrSchedule(Kind kind, double baseLr, double finalLr, int warmupSteps, int totalSteps) {

    public enum Kind {
        CONSTANT, LINEAR, COSINE;

        public static Kind parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }
    }

    public double lr(int step) {
        if (step < warmupSteps) {
            return baseLr * step / Math.max(1, warmupSteps);
        }
        if (kind == Kind.CONSTANT) {
            return baseLr;
        }
        int decaySteps = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        double shape = kind == Kind.LINEAR ? 1.0 - progress : 0.5 * (1.0 + Math.cos(Math.PI * progress));
        return finalLr + (baseLr - finalLr) * shape;
    }
}
