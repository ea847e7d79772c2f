package org.pefttrainer.eval.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An SVG line chart drawn without scripts: title, legend, axes with round-number ticks, one polyline per series
 * (downsampled to at most {@code maxPoints} points), point symbols for short series and interval whiskers. Non-finite
 * values are left out; a chart with no finite value says so in the plot.
 */
public final class LineChart {
    static final int WIDTH = 600;
    static final int HEIGHT = 340;
    private static final int LEFT = 66;
    private static final int RIGHT = 18;
    private static final int BOTTOM = 46;
    /** Series with at most this many points get their symbols drawn (more would only blur the line). */
    private static final int MARKER_LIMIT = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final boolean integerX;
    private final boolean wholeNumberXTicks;
    private final boolean yFromZero;
    private final int maxPoints;
    private final double dodge;

    private LineChart(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.series = List.copyOf(b.series);
        this.integerX = b.integerX;
        this.wholeNumberXTicks = b.wholeNumberXTicks;
        this.yFromZero = b.yFromZero;
        this.maxPoints = b.maxPoints;
        this.dodge = b.dodge;
    }

    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** True when at least one series has a finite point or whisker. */
    public boolean hasData() {
        return series.stream().anyMatch(s -> !s.finitePoints().isEmpty()
                || s.whiskers().stream().anyMatch(Whisker::isFinite));
    }

    /** Points left out because x or y was NaN or infinite, over all series. */
    public int skippedPoints() {
        return series.stream().mapToInt(Series::nonFiniteCount).sum();
    }

    /** Series whose line is drawn with fewer points than it has, as "label: n of m points". */
    public List<String> downsampledSeries() {
        List<String> out = new ArrayList<>();
        for (Series s : series) {
            int n = s.finitePoints().size();
            if (n > maxPoints) {
                out.add(String.format(Locale.ROOT, "%s: %d of %,d points", s.label(), maxPoints, n));
            }
        }
        return out;
    }

    public String toSvg() {
        Svg svg = new Svg();
        svg.open("svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", "0 0 " + WIDTH + " " + HEIGHT,
                "class", "chart-svg", "role", "img", "aria-label", title);
        svg.element("title", title);
        svg.text(title, 14, 24, "chart-title", "start", null);
        int top = legend(svg) + 12;
        Frame f = frame(top);
        axes(svg, f);
        if (!hasData()) {
            svg.text("no data", (f.left + f.right) / 2, (f.top + f.bottom) / 2, "no-data", "middle", null);
        }
        for (int i = 0; i < series.size(); i++) {
            double offset = (i - (series.size() - 1) / 2.0) * dodge;
            drawSeries(svg, f, series.get(i), offset);
        }
        svg.close("svg");
        return svg.toString();
    }

    // ---- layout

    /** Draws the legend rows under the title; returns the y below the last row. */
    private int legend(Svg svg) {
        double x = LEFT;
        double y = 46;
        svg.open("g", "class", "legend");
        for (Series s : series) {
            double width = 34 + s.label().length() * 6.8 + 18;
            if (x + width > WIDTH - RIGHT && x > LEFT) {
                x = LEFT;
                y += 18;
            }
            svg.open("g", "class", "legend-item", "data-series", s.key());
            if (s.strokeWidth() > 0) {
                svg.empty("line", "x1", num(x), "y1", num(y - 4), "x2", num(x + 26), "y2", num(y - 4),
                        "stroke", s.color(), "stroke-width", num(Math.max(s.strokeWidth(), 2)),
                        "stroke-dasharray", s.dash());
            }
            if (s.marker() != Marker.NONE) {
                marker(svg, s.marker(), x + 13, y - 4, s.color(), null);
            }
            svg.text(s.label(), x + 32, y, "legend-label", "start", null);
            svg.close("g");
            x += width;
        }
        svg.close("g");
        return (int) y;
    }

    private Frame frame(int top) {
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY;
        double yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.finitePoints()) {
                xMin = Math.min(xMin, p.x());
                xMax = Math.max(xMax, p.x());
                yMin = Math.min(yMin, p.y());
                yMax = Math.max(yMax, p.y());
            }
            for (Whisker w : s.whiskers()) {
                if (w.isFinite()) {
                    xMin = Math.min(xMin, w.x());
                    xMax = Math.max(xMax, w.x());
                    yMin = Math.min(yMin, Math.min(w.low(), w.high()));
                    yMax = Math.max(yMax, Math.max(w.low(), w.high()));
                }
            }
        }
        if (xMin > xMax) { // no data: an empty unit plot
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        if (yFromZero) {
            yMin = Math.min(yMin, 0);
            yMax = Math.max(yMax, 0);
        }
        if (yMax - yMin <= Math.abs(yMax) * 1e-12) { // a flat series: give it some room
            double pad = yMax == 0 ? 1 : Math.abs(yMax) * 0.1;
            yMin -= yFromZero && yMin >= 0 ? 0 : pad;
            yMax += pad;
        }
        // 5% room so that no point sits on the frame, except below a zero baseline
        double span = yMax - yMin;
        double yLo = yFromZero && yMin == 0 ? 0 : yMin - 0.05 * span;
        double yHi = yMax + 0.05 * span;
        NiceTicks niceY = NiceTicks.of(yLo, yHi, 5);
        double yEps = niceY.spacing() * 1e-9;
        List<Double> yTicks = niceY.values().stream().filter(v -> v >= yLo - yEps && v <= yHi + yEps).toList();
        List<Double> xTicks;
        double xSpacing;
        if (integerX) {
            double lo = Math.floor(xMin);
            double hi = Math.ceil(xMax);
            xSpacing = hi > lo ? Math.max(1, Math.round(NiceTicks.of(lo, hi, 8).spacing())) : 1;
            xTicks = NiceTicks.withSpacing(lo, hi, xSpacing).values().stream()
                    .filter(t -> t >= lo - 1e-9 && t <= hi + 1e-9).toList();
            xMin -= 0.5;
            xMax += 0.5;
        } else {
            if (xMax - xMin <= Math.abs(xMax) * 1e-12) {
                xMin -= 1;
                xMax += 1;
            }
            double lo = xMin;
            double hi = xMax;
            xSpacing = NiceTicks.of(lo, hi, 6).spacing();
            if (wholeNumberXTicks) {
                xSpacing = Math.max(1, xSpacing);
            }
            double eps = xSpacing * 1e-9;
            xTicks = NiceTicks.withSpacing(lo, hi, xSpacing).values().stream()
                    .filter(v -> v >= lo - eps && v <= hi + eps).toList();
        }
        return new Frame(LEFT, WIDTH - RIGHT, top, HEIGHT - BOTTOM, xMin, xMax, yLo, yHi, xTicks, xSpacing, yTicks,
                niceY.spacing());
    }

    private void axes(Svg svg, Frame f) {
        svg.open("g", "class", "axes");
        double yLargest = Math.max(Math.abs(f.yMin), Math.abs(f.yMax));
        for (double t : f.yTicks) {
            double y = f.py(t);
            svg.empty("line", "class", "grid", "x1", num(f.left), "y1", num(y), "x2", num(f.right), "y2", num(y));
            svg.text(TickFormat.format(t, f.ySpacing, yLargest), f.left - 8, y + 4, "tick-label", "end", null);
        }
        double xLargest = Math.max(Math.abs(f.xMin), Math.abs(f.xMax));
        for (double t : f.xTicks) {
            double x = f.px(t);
            svg.empty("line", "class", "grid grid-x", "x1", num(x), "y1", num(f.top), "x2", num(x), "y2",
                    num(f.bottom));
            svg.empty("line", "class", "tick", "x1", num(x), "y1", num(f.bottom), "x2", num(x), "y2",
                    num(f.bottom + 5));
            svg.text(TickFormat.format(t, f.xSpacing, xLargest), x, f.bottom + 19, "tick-label", "middle", null);
        }
        svg.empty("line", "class", "axis", "x1", num(f.left), "y1", num(f.bottom), "x2", num(f.right), "y2",
                num(f.bottom));
        svg.empty("line", "class", "axis", "x1", num(f.left), "y1", num(f.top), "x2", num(f.left), "y2",
                num(f.bottom));
        svg.text(xLabel, (f.left + f.right) / 2, HEIGHT - 8, "axis-label", "middle", null);
        double cy = (f.top + f.bottom) / 2;
        svg.text(yLabel, 16, cy, "axis-label", "middle", "rotate(-90 16 " + num(cy) + ")");
        svg.close("g");
    }

    private void drawSeries(Svg svg, Frame f, Series s, double offset) {
        List<Point> all = s.finitePoints();
        List<Point> drawn = Downsampler.lttb(all, maxPoints);
        svg.open("g", "class", "series", "data-series", s.key());
        for (Whisker w : s.whiskers()) {
            if (!w.isFinite()) {
                continue;
            }
            double x = f.px(w.x()) + offset;
            double y1 = f.py(w.low());
            double y2 = f.py(w.high());
            svg.open("g", "class", "whisker", "stroke", s.color());
            svg.empty("line", "x1", num(x), "y1", num(y1), "x2", num(x), "y2", num(y2));
            svg.empty("line", "x1", num(x - 4), "y1", num(y1), "x2", num(x + 4), "y2", num(y1));
            svg.empty("line", "x1", num(x - 4), "y1", num(y2), "x2", num(x + 4), "y2", num(y2));
            svg.close("g");
        }
        if (s.strokeWidth() > 0 && !drawn.isEmpty()) {
            StringBuilder pts = new StringBuilder(drawn.size() * 12);
            for (Point p : drawn) {
                if (pts.length() > 0) {
                    pts.append(' ');
                }
                pts.append(num(f.px(p.x()) + offset)).append(',').append(num(f.py(p.y())));
            }
            svg.empty("polyline", "class", "line", "data-series", s.key(), "data-points",
                    Integer.toString(drawn.size()), "points", pts.toString(), "fill", "none", "stroke", s.color(),
                    "stroke-width", num(s.strokeWidth()), "stroke-dasharray", s.dash(), "stroke-linejoin", "round",
                    "stroke-linecap", "round");
        }
        Marker m = s.marker();
        if (m == Marker.NONE && drawn.size() == 1) {
            m = Marker.CIRCLE; // a one-point line would be invisible
        }
        if (m != Marker.NONE && (drawn.size() <= MARKER_LIMIT || s.strokeWidth() == 0)) {
            for (Point p : drawn) {
                marker(svg, m, f.px(p.x()) + offset, f.py(p.y()), s.color(), s.label() + tooltip(s, p));
            }
        }
        svg.close("g");
    }

    private String tooltip(Series s, Point p) {
        String x = integerX ? String.format(Locale.ROOT, "%d", Math.round(p.x())) : Double.toString(p.x());
        String text = String.format(Locale.ROOT, " at %s %s: %.4g", xLabel.toLowerCase(Locale.ROOT), x, p.y());
        for (Whisker w : s.whiskers()) {
            if (w.x() == p.x() && w.isFinite()) {
                text += String.format(Locale.ROOT, " [%.4g, %.4g]", w.low(), w.high());
            }
        }
        return text;
    }

    private static void marker(Svg svg, Marker m, double x, double y, String color, String tip) {
        String[] style = {"class", "marker", "fill", color, "stroke", "#ffffff", "stroke-width", "1"};
        switch (m) {
            case CIRCLE -> svg.openOrEmpty(tip, "circle", concat(style, "cx", num(x), "cy", num(y), "r", "4"));
            case SQUARE -> svg.openOrEmpty(tip, "rect",
                    concat(style, "x", num(x - 3.6), "y", num(y - 3.6), "width", "7.2", "height", "7.2"));
            case TRIANGLE -> svg.openOrEmpty(tip, "polygon", concat(style, "points",
                    num(x) + "," + num(y - 5) + " " + num(x + 4.6) + "," + num(y + 3.4) + " " + num(x - 4.6) + ","
                            + num(y + 3.4)));
            case DIAMOND -> svg.openOrEmpty(tip, "polygon", concat(style, "points",
                    num(x) + "," + num(y - 5) + " " + num(x + 5) + "," + num(y) + " " + num(x) + "," + num(y + 5)
                            + " " + num(x - 5) + "," + num(y)));
            case NONE -> { }
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String num(double v) {
        // one decimal is a tenth of a pixel at 1:1; integers print without ".0" to keep big polylines small
        long tenths = Math.round(v * 10);
        if (tenths % 10 == 0) {
            return Long.toString(tenths / 10);
        }
        return (tenths < 0 && tenths > -10 ? "-" : "") + (tenths / 10) + "." + Math.abs(tenths % 10);
    }

    /** The plot rectangle in pixels and the data ranges it shows. */
    private record Frame(double left, double right, double top, double bottom, double xMin, double xMax,
            double yMin, double yMax, List<Double> xTicks, double xSpacing, List<Double> yTicks, double ySpacing) {
        double px(double x) {
            return left + (x - xMin) / (xMax - xMin) * (right - left);
        }

        double py(double y) {
            return bottom - (y - yMin) / (yMax - yMin) * (bottom - top);
        }
    }

    public static final class Builder {
        private final String title;
        private String xLabel = "";
        private String yLabel = "";
        private final List<Series> series = new ArrayList<>();
        private boolean integerX;
        private boolean wholeNumberXTicks;
        private boolean yFromZero;
        private int maxPoints = 1000;
        private double dodge;

        private Builder(String title) {
            this.title = title;
        }

        public Builder axes(String x, String y) {
            this.xLabel = x;
            this.yLabel = y;
            return this;
        }

        public Builder series(Series s) {
            series.add(s);
            return this;
        }

        /** x values are whole numbers (epochs): ticks at integers, half a step of room on each side. */
        public Builder integerX() {
            this.integerX = true;
            return this;
        }

        /** x values are counts (steps): no tick between whole numbers, however short the range. */
        public Builder wholeNumberXTicks() {
            this.wholeNumberXTicks = true;
            return this;
        }

        /** The y axis starts at 0 (or below, for negative data); no room is added under a zero baseline. */
        public Builder yFromZero() {
            this.yFromZero = true;
            return this;
        }

        public Builder maxPoints(int n) {
            if (n < 3) {
                throw new IllegalArgumentException("maxPoints must be >= 3, got " + n);
            }
            this.maxPoints = n;
            return this;
        }

        /** Shifts series sideways by this many pixels from each other, so whiskers at the same x stay apart. */
        public Builder dodge(double pixels) {
            this.dodge = pixels;
            return this;
        }

        public LineChart build() {
            return new LineChart(this);
        }
    }
}
