package org.pefttrainer.eval.report.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DownsamplerTest {
    private static List<Point> points(double... ys) {
        List<Point> out = new ArrayList<>();
        for (int i = 0; i < ys.length; i++) {
            out.add(new Point(i, ys[i]));
        }
        return out;
    }

    /**
     * Worked by hand: 7 points to 4, bucket width (7-2)/(4-2) = 2.5. Bucket 1 = points 1..2, the next bucket's mean
     * is (4, 2): triangle areas (doubled) with (0,0) are |-4y+2x| = 2 for (1,1) and 4 for (2,0), so (2,0). Bucket 2 =
     * points 3..5, next bucket = the last point (6,0): areas 4|y| = 20 for (3,5), 0, 4, so (3,5).
     */
    @Test
    void keepsTheLargestTrianglePerBucket() {
        List<Point> out = Downsampler.lttb(points(0, 1, 0, 5, 0, 1, 0), 4);
        assertEquals(List.of(new Point(0, 0), new Point(2, 0), new Point(3, 5), new Point(6, 0)), out);
    }

    @Test
    void shortSeriesAreReturnedAsTheyAre() {
        List<Point> in = points(1, 2, 3);
        assertSame(in, Downsampler.lttb(in, 3));
        assertSame(in, Downsampler.lttb(in, 1000));
    }

    @Test
    void keepsEndsAndASingleSpike() {
        double[] ys = new double[10_000];
        ys[6_789] = 100;
        List<Point> out = Downsampler.lttb(points(ys), 500);
        assertEquals(500, out.size());
        assertEquals(new Point(0, 0), out.get(0));
        assertEquals(new Point(9_999, 0), out.get(499));
        assertTrue(out.contains(new Point(6_789, 100)));
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i).x() > out.get(i - 1).x(), "x stays sorted and distinct");
        }
    }

    @Test
    void rejectsLimitsBelowThree() {
        assertThrows(IllegalArgumentException.class, () -> Downsampler.lttb(points(1, 2, 3, 4), 2));
    }
}
