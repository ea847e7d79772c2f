package org.pefttrainer.eval.report.chart;

import java.util.ArrayList;
import java.util.List;

/**
 * Largest-Triangle-Three-Buckets (Steinarsson, "Downsampling Time Series for Visual Representation", 2013): keeps
 * the first and last point and, from each bucket between, the point that spans the largest triangle with the point
 * kept before and the next bucket's mean, so spikes survive where plain striding would drop them.
 */
public final class Downsampler {
    private Downsampler() {}

    /** At most {@code limit} points of {@code sorted} (sorted by x); the list itself when it is short enough. */
    public static List<Point> lttb(List<Point> sorted, int limit) {
        if (limit < 3) {
            throw new IllegalArgumentException("limit must be >= 3, got " + limit);
        }
        int n = sorted.size();
        if (n <= limit) {
            return sorted;
        }
        List<Point> out = new ArrayList<>(limit);
        out.add(sorted.get(0));
        double every = (double) (n - 2) / (limit - 2);
        Point a = sorted.get(0);
        for (int i = 0; i < limit - 2; i++) {
            int nextStart = (int) Math.floor((i + 1) * every) + 1;
            int nextEnd = Math.min((int) Math.floor((i + 2) * every) + 1, n);
            double avgX = 0;
            double avgY = 0;
            for (int j = nextStart; j < nextEnd; j++) {
                avgX += sorted.get(j).x();
                avgY += sorted.get(j).y();
            }
            int count = nextEnd - nextStart;
            avgX /= count;
            avgY /= count;
            int start = (int) Math.floor(i * every) + 1;
            int end = (int) Math.floor((i + 1) * every) + 1;
            double bestArea = -1;
            Point best = sorted.get(start);
            for (int j = start; j < end; j++) {
                Point p = sorted.get(j);
                double area = Math.abs((a.x() - avgX) * (p.y() - a.y()) - (a.x() - p.x()) * (avgY - a.y()));
                if (area > bestArea) {
                    bestArea = area;
                    best = p;
                }
            }
            out.add(best);
            a = best;
        }
        out.add(sorted.get(n - 1));
        return out;
    }
}
