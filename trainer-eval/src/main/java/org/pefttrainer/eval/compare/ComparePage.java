package org.pefttrainer.eval.compare;

import static org.pefttrainer.eval.report.chart.Markup.escape;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.eval.metrics.Resampling;
import org.pefttrainer.eval.report.chart.Palette;

/**
 * The comparison as one self-contained HTML page (no scripts, no external files): the table, the differences to
 * the baseline with p-values, and one bar chart per metric side by side, each bar with its bootstrap interval.
 */
public final class ComparePage {
    /** Bar colours per row, in order (Okabe-Ito, as the training report). */
    static final List<String> COLOURS = List.of(Palette.BLUE, Palette.VERMILLION, Palette.BLUISH_GREEN,
            Palette.REDDISH_PURPLE, Palette.ORANGE, Palette.SKY_BLUE, Palette.BLACK);
    static final int CHART_W = 300;
    static final int CHART_H = 220;

    private ComparePage() {}

    public static void write(Comparison c, Path file) {
        AtomicFiles.writeString(file, html(c));
    }

    public static String html(Comparison c) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>peft compare: ").append(c.rows().size()).append(" rows</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fff}")
                .append("table{border-collapse:collapse;margin:12px 0 24px}td,th{border:1px solid #ccc;padding:4px 8px}")
                .append("td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}")
                .append(".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #ddd;padding:8px}")
                .append(".swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}")
                .append("p.note{color:#555;font-size:90%}\n</style>\n</head>\n<body>\n");
        sb.append("<h1>Comparison</h1>\n<p class=\"note\">ROUGE F and exact match on 0-1, BLEU 0-100 (sacreBLEU's"
                + " default); brackets: ").append(trim(100 * c.bootstrap().confidence()))
                .append("% bootstrap intervals over the examples (").append(c.bootstrap().resamples())
                .append(" resamples). Loss: token NLL of the references under the model. The first row is the baseline.</p>\n");
        table(sb, c.mainTable(true), true);
        if (c.rows().size() > 1) {
            sb.append("<h2>Difference to ").append(escape(c.rows().get(0).source().name()))
                    .append("</h2>\n<p class=\"note\">p: paired bootstrap test (two-sided) where both rows scored the same"
                            + " examples.</p>\n");
            table(sb, c.deltaTable(), false);
        }
        sb.append("<h2>Metrics</h2>\n<p>");
        for (int i = 0; i < c.rows().size(); i++) {
            sb.append("<span class=\"swatch\" style=\"background:").append(colour(i)).append("\"></span>")
                    .append(escape(c.rows().get(i).source().name())).append(" &nbsp; ");
        }
        sb.append("</p>\n<div class=\"charts\">\n");
        for (var m : Comparison.METRICS.entrySet()) {
            chart(sb, c, m.getKey(), m.getValue());
        }
        sb.append("</div>\n<h2>Rows</h2>\n<ul>\n");
        for (Comparison.Row r : c.rows()) {
            sb.append("<li>").append(escape(r.source().name())).append(": ").append(escape(r.source().split()))
                    .append(", ").append(r.source().examples().size()).append(" examples, <code>")
                    .append(escape(r.source().folder().toString())).append("</code></li>\n");
        }
        sb.append("</ul>\n</body>\n</html>\n");
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<List<String>> t, boolean main) {
        sb.append("<table class=\"").append(main ? "main" : "delta").append("\">\n<thead><tr>");
        t.get(0).forEach(h -> sb.append("<th>").append(escape(h)).append("</th>"));
        sb.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : t.subList(1, t.size())) {
            sb.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                sb.append(i < 2 ? "<td>" : "<td class=\"num\">").append(escape(row.get(i))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table>\n");
    }

    /** Bars from zero with whiskers for the interval; the axis runs to the largest upper bound. */
    private static void chart(StringBuilder sb, Comparison c, String key, String title) {
        int left = 44;
        int top = 28;
        int bottom = 30;
        int plotH = CHART_H - top - bottom;
        int plotW = CHART_W - left - 10;
        double max = 0;
        for (Comparison.Row r : c.rows()) {
            Resampling.Estimate e = r.metrics().get(key);
            max = Math.max(max, e.hasInterval() ? e.high() : e.value());
        }
        double top1 = max <= 0 ? 1 : niceCeil(max * (1 - 1e-9)); // 100.0000001 is still a 0-100 axis
        sb.append("<figure class=\"chart\" id=\"chart-").append(key).append("\"><svg xmlns=\"http://www.w3.org/2000/svg\"")
                .append(" width=\"").append(CHART_W).append("\" height=\"").append(CHART_H).append("\" role=\"img\">")
                .append("<title>").append(escape(title)).append("</title>")
                .append("<text x=\"").append(CHART_W / 2).append("\" y=\"16\" text-anchor=\"middle\" font-size=\"13\"")
                .append(" font-weight=\"600\">").append(escape(title)).append("</text>");
        for (int t = 0; t <= 4; t++) {
            double v = top1 * t / 4;
            double y = top + plotH - plotH * v / top1;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>",
                    left, left + plotW, y, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\">%s</text>",
                    left - 4, y + 3, key.equals("bleu") ? String.format(Locale.ROOT, "%.0f", v)
                            : String.format(Locale.ROOT, "%.2f", v)));
        }
        int n = c.rows().size();
        double slot = (double) plotW / n;
        double barW = Math.min(48, slot * 0.6);
        for (int i = 0; i < n; i++) {
            Resampling.Estimate e = c.rows().get(i).metrics().get(key);
            double x = left + slot * i + (slot - barW) / 2;
            double h = plotH * Math.max(0, e.value()) / top1;
            sb.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                    + " fill=\"%s\"><title>%s: %s</title></rect>", x, top + plotH - h, barW, Math.max(h, 0.5),
                    colour(i), escape(c.rows().get(i).source().name()), Comparison.estimate(e, key, true)));
            if (e.hasInterval()) {
                double cx = x + barW / 2;
                double y1 = top + plotH - plotH * e.low() / top1;
                double y2 = top + plotH - plotH * e.high() / top1;
                sb.append(String.format(Locale.ROOT, "<path class=\"whisker\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\""
                        + " stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>", cx, y1, y2, cx - 6, y1, cx + 6, cx - 6,
                        y2, cx + 6));
            }
            String label = c.rows().get(i).source().name();
            if (label.length() > 14) {
                label = label.substring(0, 13) + "\u2026";
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%s</text>",
                    x + barW / 2, CHART_H - 12, escape(label)));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#444\"/>", left,
                left + plotW, top + plotH, top + plotH));
        sb.append("</svg></figure>\n");
    }

    static String colour(int i) {
        return COLOURS.get(i % COLOURS.size());
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
