package org.pefttrainer.eval.report.chart;

import java.util.List;

/**
 * One named line (and/or point symbols) of a chart.
 *
 * @param key         stable id written as {@code data-series} (tests and styles key on it)
 * @param label       legend text
 * @param points      data points in any order; non-finite ones are skipped
 * @param whiskers    intervals to draw (may be empty)
 * @param color       stroke colour
 * @param strokeWidth line width in SVG units; 0 draws no line
 * @param dash        SVG dash array, or null for a solid line
 * @param marker      symbol drawn at each point when the series is short (or always for lines of width 0)
 */
public record Series(String key, String label, List<Point> points, List<Whisker> whiskers, String color,
        double strokeWidth, String dash, Marker marker) {

    public Series {
        points = List.copyOf(points);
        whiskers = List.copyOf(whiskers);
    }

    public static Series line(String key, String label, List<Point> points, String color, double width) {
        return new Series(key, label, points, List.of(), color, width, null, Marker.NONE);
    }

    public Series withMarker(Marker m) {
        return new Series(key, label, points, whiskers, color, strokeWidth, dash, m);
    }

    public Series withDash(String d) {
        return new Series(key, label, points, whiskers, color, strokeWidth, d, marker);
    }

    public Series withWhiskers(List<Whisker> w) {
        return new Series(key, label, points, w, color, strokeWidth, dash, marker);
    }

    /** Points that can be drawn, sorted by x (stable: equal x keep their order). */
    List<Point> finitePoints() {
        return points.stream().filter(Point::isFinite)
                .sorted(java.util.Comparator.comparingDouble(Point::x)).toList();
    }

    int nonFiniteCount() {
        return (int) points.stream().filter(p -> !p.isFinite()).count();
    }
}
