package org.pefttrainer.eval.report.chart;

/** An interval drawn as a vertical bar with caps at {@code x}, from {@code low} to {@code high} (data units). */
public record Whisker(double x, double low, double high) {
    public boolean isFinite() {
        return Double.isFinite(x) && Double.isFinite(low) && Double.isFinite(high);
    }
}
