package org.pefttrainer.eval.report;

import java.util.Locale;

/** Number formats of the page; a missing value is an em dash, a non-finite one is spelled out. */
final class Format {
    static final String MISSING = "\u2014";

    private Format() {}

    /** ROUGE F and losses: four decimals. */
    static String score(Double v) {
        if (v == null) {
            return MISSING;
        }
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : nonFinite(v);
    }

    /** Learning rates and other small numbers: three significant digits. */
    static String general(Double v) {
        if (v == null) {
            return MISSING;
        }
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : nonFinite(v);
    }

    static String whole(Long v) {
        return v == null ? MISSING : String.format(Locale.ROOT, "%,d", v);
    }

    static String seconds(Double s) {
        if (s == null) {
            return MISSING;
        }
        if (!Double.isFinite(s)) {
            return nonFinite(s);
        }
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        long total = Math.round(s);
        return total < 3600 ? String.format(Locale.ROOT, "%d min %02d s", total / 60, total % 60)
                : String.format(Locale.ROOT, "%d h %02d min", total / 3600, (total % 3600) / 60);
    }

    private static String nonFinite(double v) {
        return Double.isNaN(v) ? "NaN" : v > 0 ? "+\u221e" : "\u2212\u221e";
    }
}
