package org.pefttrainer.eval.report.chart;

import java.util.ArrayList;
import java.util.List;

/**
 * Axis ticks at round numbers (1, 2 or 5 times a power of ten), after Heckbert's "Nice Numbers for Graph Labels"
 * (Graphics Gems, 1990).
 *
 * @param spacing distance between ticks
 * @param values  the ticks, from the first multiple of spacing at or below the data minimum to the first at or
 *                above the maximum
 */
public record NiceTicks(double spacing, List<Double> values) {

    public NiceTicks {
        values = List.copyOf(values);
    }

    /** About {@code count} ticks covering [min, max]; min must be below max. */
    public static NiceTicks of(double min, double max, int count) {
        if (!(max > min) || !Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("need finite min < max, got " + min + ", " + max);
        }
        double range = nice(max - min, false);
        double spacing = nice(range / (Math.max(count, 2) - 1), true);
        return withSpacing(min, max, spacing);
    }

    /** Ticks at multiples of {@code spacing} covering [min, max]. */
    public static NiceTicks withSpacing(double min, double max, double spacing) {
        // a tolerance so that 0.30000000000000004 / 0.1 counts as 3, not 4
        long first = (long) Math.floor(min / spacing + 1e-9);
        long last = (long) Math.ceil(max / spacing - 1e-9);
        List<Double> values = new ArrayList<>();
        for (long k = first; k <= last; k++) {
            values.add(k * spacing);
        }
        return new NiceTicks(spacing, values);
    }

    public double first() {
        return values.get(0);
    }

    public double last() {
        return values.get(values.size() - 1);
    }

    static double nice(double x, boolean round) {
        double exp = Math.floor(Math.log10(x));
        double pow = Math.pow(10, exp);
        double f = x / pow;
        double nf;
        if (round) {
            nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
        } else {
            nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        }
        return nf * pow;
    }
}
