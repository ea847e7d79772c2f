package org.pefttrainer.eval.report;

import java.util.ArrayList;
import java.util.List;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;

/** Reads the drawn points back out of a chart's polylines. */
final class SvgPoints {
    private SvgPoints() {}

    static Element polyline(Document doc, String chartId, String series) {
        Elements found = doc.select("#chart-" + chartId + " polyline[data-series=" + series + "]");
        if (found.size() != 1) {
            throw new AssertionError("expected one polyline " + series + " in #chart-" + chartId + ", found "
                    + found.size());
        }
        return found.first();
    }

    static List<double[]> points(Element polyline) {
        List<double[]> out = new ArrayList<>();
        for (String pair : polyline.attr("points").trim().split("\\s+")) {
            String[] xy = pair.split(",");
            if (xy.length != 2) {
                throw new AssertionError("bad point '" + pair + "'");
            }
            out.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
        }
        return out;
    }
}
