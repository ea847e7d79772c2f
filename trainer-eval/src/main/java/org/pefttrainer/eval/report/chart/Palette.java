package org.pefttrainer.eval.report.chart;

/**
 * The Okabe–Ito colours, chosen to stay distinguishable with the common colour-vision deficiencies (Okabe &amp; Ito,
 * "Color Universal Design", 2008). Series also differ by dash pattern and marker shape.
 */
public final class Palette {
    public static final String BLUE = "#0072B2";
    public static final String ORANGE = "#E69F00";
    public static final String BLUISH_GREEN = "#009E73";
    public static final String REDDISH_PURPLE = "#CC79A7";
    public static final String VERMILLION = "#D55E00";
    public static final String SKY_BLUE = "#56B4E9";
    public static final String BLACK = "#000000";

    private Palette() {}
}
