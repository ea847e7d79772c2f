package org.pefttrainer.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;

class HtmlReportTest {
    @TempDir
    Path dir;

    private Document render(int samples) {
        return Jsoup.parse(HtmlReport.render(dir, samples));
    }

    @Test
    void headerNamesRunModelMethodBestEpochAndFinalScores() throws Exception {
        FakeRun.complete(dir);
        Document doc = render(20);
        assertEquals("lora-dialogsum-20240102-030405", doc.getElementById("run-name").text());
        assertEquals("lora-dialogsum-20240102-030405 \u2014 training report", doc.title());
        assertEquals("models/flan-t5-base", doc.getElementById("meta-model").text());
        assertEquals("lora (r=8, alpha=16, targets [q, v])", doc.getElementById("meta-method").text());
        assertEquals("300", doc.getElementById("meta-steps").text());
        // best_epoch of the last epoch line is 2; its rougeLsum is 0.3323
        Element best = doc.getElementById("card-best-epoch");
        assertEquals("2", best.selectFirst(".card-value").text());
        assertEquals("rougeLsum 0.3323", best.selectFirst(".card-detail").text());
        // final scores are the last epoch's, with its interval
        assertEquals("0.3650", doc.getElementById("card-final-rouge1").selectFirst(".card-value").text());
        assertEquals("0.3301", doc.getElementById("card-final-rougeLsum").selectFirst(".card-value").text());
        assertTrue(doc.getElementById("card-final-rouge2").text().contains("0.1198\u20130.1548"));
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", FakeRun.loss(250)),
                doc.getElementById("card-final-train-loss").selectFirst(".card-value").text());
        assertTrue(doc.select("#notes").isEmpty(), "a complete run has no notes");
    }

    @Test
    void chartsDrawEveryLoggedPointInOrder() throws Exception {
        FakeRun.complete(dir);
        Document doc = render(20);
        for (String[] c : new String[][] {{"loss", "loss"}, {"loss", "step_loss"}, {"lr", "lr"},
                {"grad-norm", "grad_norm"}}) {
            Element line = SvgPoints.polyline(doc, c[0], c[1]);
            List<double[]> pts = SvgPoints.points(line);
            assertEquals(300, pts.size(), c[1]);
            assertEquals("300", line.attr("data-points"));
            for (int i = 1; i < pts.size(); i++) {
                assertTrue(pts.get(i)[0] > pts.get(i - 1)[0], c[1] + ": x grows with the step");
            }
        }
        // the loss falls overall: SVG y grows downwards, so the last point sits lower than the first
        List<double[]> loss = SvgPoints.points(SvgPoints.polyline(doc, "loss", "loss"));
        assertTrue(loss.get(299)[1] > loss.get(0)[1]);
        // learning rate: linear warmup to step 30 (the peak, smallest y), then decay to 0 at step 300
        List<double[]> lr = SvgPoints.points(SvgPoints.polyline(doc, "lr", "lr"));
        int top = 0;
        for (int i = 0; i < lr.size(); i++) {
            if (lr.get(i)[1] < lr.get(top)[1]) {
                top = i;
            }
        }
        assertEquals(29, top, "index of step 30");
        // lr starts at 1e-5 > 0 and ends at exactly 0, which the y-from-zero axis puts on the x axis line
        assertTrue(lr.get(299)[1] > lr.get(0)[1]);
        // three epoch means as symbols, no line
        assertEquals(3, doc.select("#chart-loss g.series[data-series=train_loss] polygon.marker").size());
        assertTrue(doc.select("#chart-loss polyline[data-series=train_loss]").isEmpty());
        // every chart has a title, a legend entry per series and labelled ticks on both axes
        for (String id : new String[] {"loss", "lr", "rouge", "grad-norm"}) {
            Element chart = doc.getElementById("chart-" + id);
            assertFalse(chart.select("text.chart-title").text().isEmpty(), id);
            assertEquals(chart.select("g.series").size(), chart.select("g.legend-item").size(), id);
            assertTrue(chart.select("text.tick-label").size() >= 4, id);
            assertEquals(2, chart.select("text.axis-label").size(), id);
        }
    }

    @Test
    void rougeChartHasOnePointAndWhiskerPerEpochAndType() throws Exception {
        FakeRun.complete(dir);
        Document doc = render(20);
        Elements legend = doc.select("#chart-rouge g.legend-item text");
        assertEquals(List.of("ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum"), legend.eachText());
        for (String key : new String[] {"rouge1", "rouge2", "rougeL", "rougeLsum"}) {
            assertEquals(3, SvgPoints.points(SvgPoints.polyline(doc, "rouge", key)).size(), key);
            assertEquals(3, doc.select("#chart-rouge g.series[data-series=" + key + "] g.whisker").size(), key);
            assertEquals(3, doc.select("#chart-rouge g.series[data-series=" + key + "] .marker").size(), key);
        }
        // epoch 2 is rouge1's best: its point is the highest (smallest y)
        List<double[]> r1 = SvgPoints.points(SvgPoints.polyline(doc, "rouge", "rouge1"));
        assertTrue(r1.get(1)[1] < r1.get(0)[1] && r1.get(1)[1] < r1.get(2)[1]);
        // a whisker spans its point: low below (larger y), high above
        Element whisker = doc.selectFirst("#chart-rouge g.series[data-series=rouge1] g.whisker line");
        double y1 = Double.parseDouble(whisker.attr("y1"));
        double y2 = Double.parseDouble(whisker.attr("y2"));
        assertTrue(y1 > r1.get(0)[1] && y2 < r1.get(0)[1], y1 + " " + y2 + " " + r1.get(0)[1]);
        // the x axis is labelled with whole epochs only
        assertEquals(List.of("1", "2", "3"),
                doc.select("#chart-rouge text.tick-label[text-anchor=middle]").eachText());
        // the marker tooltips carry the values
        assertTrue(doc.select("#chart-rouge .marker title").eachText()
                .contains("ROUGE-1 at epoch 2: 0.3690 [0.3490, 0.3840]"));
    }

    @Test
    void epochTableListsEveryEpochAndMarksTheBest() throws Exception {
        FakeRun.complete(dir);
        Document doc = render(20);
        Elements rows = doc.select("table.epochs tbody tr");
        assertEquals(3, rows.size());
        assertEquals(List.of("2"), doc.select("table.epochs tr.best td:eq(0)").eachText().stream()
                .map(t -> t.replace(" best", "")).toList());
        Elements cells = rows.get(0).select("td");
        assertEquals("100", cells.get(1).text());
        assertEquals("0.3012", cells.get(3).ownText());
        assertEquals("0.2812\u20130.3162", cells.get(3).selectFirst(".interval").text());
        assertEquals("12.5 s", cells.get(7).text());
    }

    @Test
    void predictionsOfTheLatestEpochAreEscapedWithNewlinesKept() throws Exception {
        FakeRun.complete(dir);
        String html = HtmlReport.render(dir, 20);
        Document doc = Jsoup.parse(html);
        assertTrue(doc.select("script").isEmpty(), "no script element may come from the data");
        assertTrue(doc.select("img").isEmpty(), "no img element may come from the data");
        assertTrue(doc.select("b").isEmpty(), "no b element may come from the data");
        assertFalse(html.contains("<script>"));
        assertFalse(html.contains("<img src=x"));
        Elements rows = doc.select("table.predictions tbody tr");
        assertEquals(20, rows.size());
        Element first = rows.get(0);
        assertEquals("new-0", first.selectFirst(".id").text());
        assertEquals(FakeRun.TRICKY_PREDICTION, first.selectFirst(".prediction-text").wholeText());
        assertEquals(FakeRun.TRICKY_DIALOGUE, first.selectFirst(".dialogue-text").wholeText());
        assertEquals(FakeRun.TRICKY_REFERENCE, first.selectFirst(".reference-text").wholeText());
        assertEquals(2, rows.get(1).select(".reference-text").size(), "both references of line 1");
        assertEquals("0.0750", rows.get(3).selectFirst("td.score").ownText());
        assertTrue(doc.selectFirst("#predictions .lede").text().startsWith("Epoch 3: the first 20 of 25"));
        assertTrue(doc.selectFirst("#predictions .lede").text().contains("ROUGE-Lsum 0.3301"));
        assertFalse(html.contains("old prediction"), "epoch 1's predictions are not shown");
        // the predictions' text keeps its line breaks on screen
        assertTrue(html.contains(".text { white-space: pre-wrap;"));
    }

    @Test
    void samplePredictionCountIsConfigurable() throws Exception {
        FakeRun.complete(dir);
        assertEquals(5, render(5).select("table.predictions tbody tr").size());
        assertEquals(20, Jsoup.parse(HtmlReport.render(dir)).select("table.predictions tbody tr").size());
        assertEquals(25, render(100).select("table.predictions tbody tr").size());
        Document none = render(0);
        assertTrue(none.select("table.predictions").isEmpty());
        assertTrue(none.selectFirst("#predictions").text().contains("turned off"));
        assertThrows(IllegalArgumentException.class, () -> HtmlReport.render(dir, -1));
    }

    @Test
    void configIsShownVerbatimInACollapsedBlock() throws Exception {
        FakeRun.complete(dir);
        Document doc = render(20);
        Element details = doc.selectFirst("#config details");
        assertFalse(details.hasAttr("open"));
        assertEquals(FakeRun.configText("lora-dialogsum-20240102-030405"), details.selectFirst("pre").wholeText());
    }

    @Test
    void svgIsWellFormedXml() throws Exception {
        FakeRun.complete(dir);
        String html = HtmlReport.render(dir, 20);
        Matcher m = Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html);
        int count = 0;
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        while (m.find()) {
            org.w3c.dom.Document svg = f.newDocumentBuilder()
                    .parse(new ByteArrayInputStream(m.group().getBytes(StandardCharsets.UTF_8)));
            assertEquals("http://www.w3.org/2000/svg", svg.getDocumentElement().getNamespaceURI());
            count++;
        }
        assertEquals(4, count);
    }

    @Test
    void writeReplacesReportAtomically() throws Exception {
        FakeRun.complete(dir);
        Files.writeString(dir.resolve("report.html"), "stale");
        Path written = HtmlReport.write(dir);
        assertEquals(dir.resolve("report.html"), written);
        Document doc = Jsoup.parse(Files.readString(written));
        assertEquals("lora-dialogsum-20240102-030405", doc.getElementById("run-name").text());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))
                    .toList(), "no temp file left");
        }
        HtmlReport.write(dir, 3);
        assertEquals(3, Jsoup.parse(Files.readString(written)).select("table.predictions tbody tr").size());
    }

    @Test
    void missingRunFolderIsAUserError() {
        UserException e = assertThrows(UserException.class, () -> HtmlReport.render(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("run folder not found"));
    }
}
