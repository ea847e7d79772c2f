package org.pefttrainer.core.config;

import com.typesafe.config.ConfigValue;
import java.math.BigDecimal;

/**
 * Allowed numbers: an interval (either end open, closed or absent) plus optionally one sentinel outside it (the -1
 * of train.max_steps).
 */
record NumberRange(Double min, boolean minInclusive, Double max, boolean maxInclusive, Double sentinel)
        implements ValueCheck {

    static NumberRange atLeast(double min) {
        return new NumberRange(min, true, null, false, null);
    }

    static NumberRange greaterThan(double min) {
        return new NumberRange(min, false, null, false, null);
    }

    /** [min, max). */
    static NumberRange closedOpen(double min, double max) {
        return new NumberRange(min, true, max, false, null);
    }

    /** (min, max]. */
    static NumberRange openClosed(double min, double max) {
        return new NumberRange(min, false, max, true, null);
    }

    /** (min, max). */
    static NumberRange open(double min, double max) {
        return new NumberRange(min, false, max, false, null);
    }

    /** [min, max]. */
    static NumberRange closed(double min, double max) {
        return new NumberRange(min, true, max, true, null);
    }

    /** This range, or exactly {@code value}. */
    NumberRange or(double value) {
        return new NumberRange(min, minInclusive, max, maxInclusive, value);
    }

    boolean contains(double x) {
        if (sentinel != null && x == sentinel) {
            return true;
        }
        boolean aboveMin = min == null || (minInclusive ? x >= min : x > min);
        boolean belowMax = max == null || (maxInclusive ? x <= max : x < max);
        return aboveMin && belowMax;
    }

    @Override
    public String problem(ConfigValue value) {
        Double x = Values.number(value);
        return x != null && contains(x) ? null : "must be " + describe() + ", got " + Values.show(value);
    }

    /** "> 0", ">= 1", "in [0, 1)", "-1 or >= 1". */
    String describe() {
        String interval;
        if (max == null) {
            interval = (minInclusive ? ">= " : "> ") + plain(min);
        } else if (min == null) {
            interval = (maxInclusive ? "<= " : "< ") + plain(max);
        } else {
            interval = "in " + (minInclusive ? "[" : "(") + plain(min) + ", " + plain(max) + (maxInclusive ? "]" : ")");
        }
        return sentinel == null ? interval : plain(sentinel) + " or " + interval;
    }

    private static String plain(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
