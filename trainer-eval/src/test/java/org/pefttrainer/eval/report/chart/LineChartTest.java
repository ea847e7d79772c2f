package org.pefttrainer.eval.report.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineChartTest {
    /**
     * Hand-placed: the plot spans x 66..582 (600 wide, 66 left and 18 right margin) and y 58..294 (one legend row
     * at 46 plus 12; 340 high less 46 at the bottom). Data x 0..10 fills the width; data y 0..5 gets 5% room on
     * both sides, [-0.25, 5.25]: y = 0 at 294 - 0.25/5.5*236 = 283.27, y = 5 at 294 - 5.25/5.5*236 = 68.73.
     */
    @Test
    void mapsDataToThePlotRectangle() {
        List<Point> pts = List.of(new Point(0, 0), new Point(5, 2.5), new Point(10, 5));
        String svg = LineChart.builder("T").axes("X", "Y").series(Series.line("s", "s", pts, "#000", 2)).build().toSvg();
        assertTrue(svg.contains("points=\"66,283.3 324,176 582,68.7\""), svg);
        assertTrue(svg.contains("data-points=\"3\""));
        // from zero: no room under the baseline, [0, 5.25]: y = 2.5 at 294 - 2.5/5.25*236 = 181.62
        String fromZero = LineChart.builder("T").axes("X", "Y").yFromZero()
                .series(Series.line("s", "s", pts, "#000", 2)).build().toSvg();
        assertTrue(fromZero.contains("points=\"66,294 324,181.6 582,69.2\""), fromZero);
    }

    @Test
    void tickLabelsOfAStepAxisAreWholeNumbers() {
        String svg = LineChart.builder("T").axes("Step", "Y").wholeNumberXTicks()
                .series(Series.line("s", "s", List.of(new Point(1, 3)), "#000", 2)).build().toSvg();
        // one point at step 1: the axis spans 0..2 with ticks 0, 1, 2 and no 0.5
        assertTrue(svg.contains(">0</text>") && svg.contains(">1</text>") && svg.contains(">2</text>"), svg);
        assertTrue(!svg.contains(">0.5</text>") && !svg.contains(">1.5</text>"), svg);
    }

    @Test
    void nonFinitePointsAreSkippedAndCounted() {
        LineChart c = LineChart.builder("T").axes("X", "Y").series(Series.line("s", "s", List.of(new Point(0, 0),
                new Point(1, Double.NaN), new Point(2, Double.POSITIVE_INFINITY), new Point(3, 5)), "#000", 2)).build();
        assertEquals(2, c.skippedPoints());
        assertTrue(c.toSvg().contains("data-points=\"2\""));
        assertTrue(!c.toSvg().contains("NaN") && !c.toSvg().contains("Infinity"));
    }

    @Test
    void pointsAreDrawnInXOrder() {
        String svg = LineChart.builder("T").axes("X", "Y").series(Series.line("s", "s",
                List.of(new Point(10, 5), new Point(0, 0)), "#000", 2)).build().toSvg();
        assertTrue(svg.contains("points=\"66,283.3 582,68.7\""), svg);
    }

    @Test
    void labelsAreEscaped() {
        String svg = LineChart.builder("a<b & \"c\"").axes("x'", "<y>").series(Series.line("k", "<s>",
                List.of(new Point(0, 1)), "#000", 2)).build().toSvg();
        assertTrue(svg.contains("a&lt;b &amp; &quot;c&quot;") && svg.contains("&lt;s&gt;") && svg.contains("x&#39;"));
        assertTrue(!svg.contains("<s>") && !svg.contains("<y>"));
    }
}
