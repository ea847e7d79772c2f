package org.pefttrainer.eval.report.chart;

import java.util.Locale;

/** Tick labels with just the digits the tick spacing needs: "0.25", "1,200", "3e-4", "2.5e-5". */
public final class TickFormat {
    private TickFormat() {}

    public static String format(double value, double spacing, double largestAbs) {
        if (Math.abs(value) < spacing * 1e-6) {
            return "0";
        }
        if (largestAbs < 1e-3 || largestAbs >= 1e7) {
            return scientific(value, spacing);
        }
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(spacing) - 1e-9));
        if (decimals == 0) {
            return String.format(Locale.ROOT, "%,d", Math.round(value));
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static String scientific(double value, double spacing) {
        int exp = (int) Math.floor(Math.log10(Math.abs(value)) + 1e-12);
        int decimals = Math.max(0, (int) Math.ceil(exp - Math.log10(spacing) - 1e-9));
        String s = String.format(Locale.ROOT, "%." + decimals + "e", value); // e.g. "1.5e-04"; %e renormalises 9.99 -> 1.0e+01
        int e = s.indexOf('e');
        return s.substring(0, e) + "e" + Integer.parseInt(s.substring(e + 1));
    }
}
