package org.pefttrainer.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.pefttrainer.eval.report.chart.LineChart;
import org.pefttrainer.eval.report.chart.Marker;
import org.pefttrainer.eval.report.chart.Palette;
import org.pefttrainer.eval.report.chart.Point;
import org.pefttrainer.eval.report.chart.Series;
import org.pefttrainer.eval.report.chart.Whisker;
import org.pefttrainer.eval.rouge.RougeType;

/** The report's charts, built from metrics.jsonl; each factory returns null when the run logged nothing to draw. */
final class TrainingCharts {
    /** Most points per polyline: more than the chart has pixels across, so nothing visible is lost. */
    static final int MAX_POINTS = 1000;

    private TrainingCharts() {}

    /**
     * Window-mean loss, single-step loss, each epoch's mean train loss and its validation loss (label tokens of the
     * validation subset, eval mode), against the step; null if none.
     */
    static LineChart loss(TrainingMetrics m) {
        LineChart.Builder b = LineChart.builder("Training and validation loss").axes("Step", "Loss").wholeNumberXTicks().maxPoints(MAX_POINTS);
        List<Point> stepLoss = stepSeries(m, StepMetrics::stepLoss);
        List<Point> loss = stepSeries(m, StepMetrics::loss);
        List<Point> epochLoss = new ArrayList<>();
        List<Point> valLoss = new ArrayList<>();
        for (EpochMetrics e : m.epochs()) {
            if (e.step() != null && e.trainLoss() != null) {
                epochLoss.add(new Point(e.step(), e.trainLoss()));
            }
            if (e.step() != null && e.other().get("val_loss") != null) {
                valLoss.add(new Point(e.step(), e.other().get("val_loss")));
            }
        }
        if (stepLoss.isEmpty() && loss.isEmpty() && epochLoss.isEmpty() && valLoss.isEmpty()) {
            return null;
        }
        // the noisy single-step loss first, so the window mean is drawn over it
        if (!stepLoss.isEmpty()) {
            b.series(Series.line("step_loss", "step loss", stepLoss, Palette.SKY_BLUE, 1));
        }
        if (!loss.isEmpty()) {
            b.series(Series.line("loss", "loss (window mean)", loss, Palette.BLUE, 2));
        }
        if (!epochLoss.isEmpty()) {
            b.series(Series.line("train_loss", "epoch mean", epochLoss, Palette.VERMILLION, 0)
                    .withMarker(Marker.DIAMOND));
        }
        if (!valLoss.isEmpty()) {
            b.series(Series.line("val_loss", "validation loss", valLoss, Palette.BLUISH_GREEN, 2)
                    .withMarker(Marker.CIRCLE));
        }
        return b.build();
    }

    static LineChart learningRate(TrainingMetrics m) {
        List<Point> lr = stepSeries(m, StepMetrics::lr);
        if (lr.isEmpty()) {
            return null;
        }
        return LineChart.builder("Learning rate").axes("Step", "Learning rate").wholeNumberXTicks().yFromZero().maxPoints(MAX_POINTS)
                .series(Series.line("lr", "learning rate", lr, Palette.VERMILLION, 2)).build();
    }

    static LineChart gradNorm(TrainingMetrics m) {
        List<Point> g = stepSeries(m, StepMetrics::gradNorm);
        if (g.isEmpty()) {
            return null;
        }
        return LineChart.builder("Gradient norm (before clipping)").axes("Step", "Global L2 norm").wholeNumberXTicks().yFromZero()
                .maxPoints(MAX_POINTS).series(Series.line("grad_norm", "gradient norm", g, Palette.BLUISH_GREEN, 1.5))
                .build();
    }

    /** ROUGE F per evaluated epoch, with bootstrap whiskers where the line has them; null without evaluation. */
    static LineChart rouge(TrainingMetrics m) {
        List<EpochMetrics> evaluated = m.evaluatedEpochs();
        if (evaluated.isEmpty()) {
            return null;
        }
        LineChart.Builder b = LineChart.builder("Validation ROUGE (F-measure)").axes("Epoch", "F-measure")
                .integerX().dodge(5);
        for (RougeType t : RougeType.values()) {
            List<Point> points = new ArrayList<>();
            List<Whisker> whiskers = new ArrayList<>();
            for (EpochMetrics e : evaluated) {
                Double f = e.rouge().get(t);
                if (f != null) {
                    points.add(new Point(e.epoch(), f));
                }
                EpochMetrics.Interval i = e.intervals().get(t);
                if (i != null) {
                    whiskers.add(new Whisker(e.epoch(), i.low(), i.high()));
                }
            }
            if (!points.isEmpty() || !whiskers.isEmpty()) {
                b.series(Series.line(t.key(), RougeLabels.label(t), points, RougeLabels.color(t), 2)
                        .withDash(RougeLabels.dash(t)).withMarker(RougeLabels.marker(t)).withWhiskers(whiskers));
            }
        }
        return b.build();
    }

    /** The steps that have the field (NaN included: the chart counts and skips those). */
    private static List<Point> stepSeries(TrainingMetrics m, Function<StepMetrics, Double> field) {
        List<Point> out = new ArrayList<>();
        for (StepMetrics s : m.steps()) {
            Double v = field.apply(s);
            if (v != null) {
                out.add(new Point(s.step(), v));
            }
        }
        return out;
    }
}
