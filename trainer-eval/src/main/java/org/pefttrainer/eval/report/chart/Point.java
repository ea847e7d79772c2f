package org.pefttrainer.eval.report.chart;

/** One data point of a chart series, in data units. */
public record Point(double x, double y) {
    public boolean isFinite() {
        return Double.isFinite(x) && Double.isFinite(y);
    }
}
