package org.pefttrainer.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs that are empty, partial, odd or huge: the page still renders and says what is missing. */
class HtmlReportEdgeCasesTest {
    @TempDir
    Path dir;

    private Document render() {
        return Jsoup.parse(HtmlReport.render(dir, 20));
    }

    private static String notes(Document doc) {
        Element notes = doc.getElementById("notes");
        return notes == null ? "" : notes.text();
    }

    @Test
    void emptyRunFolderSaysWhatIsMissing() {
        Document doc = render();
        String name = dir.getFileName().toString();
        assertEquals(name, doc.getElementById("run-name").text(), "the folder name stands in for run.name");
        assertTrue(notes(doc).contains("No metrics.jsonl in this run folder"), notes(doc));
        assertTrue(notes(doc).contains("No config.conf"), notes(doc));
        assertTrue(doc.select("svg").isEmpty());
        assertTrue(doc.getElementById("charts").text().contains("No metrics to chart yet"));
        assertTrue(doc.getElementById("predictions").text().contains("No evaluation output"));
        assertEquals("\u2014", doc.getElementById("card-best-epoch").selectFirst(".card-value").text());
        assertEquals("\u2014", doc.getElementById("card-final-rouge1").selectFirst(".card-value").text());
        assertEquals("\u2014", doc.getElementById("meta-model").text());
    }

    @Test
    void emptyMetricsFileIsReportedAsEmpty() throws Exception {
        new FakeRun(dir).metricsText("").config(FakeRun.configText("r"));
        Document doc = render();
        assertTrue(notes(doc).contains("metrics.jsonl is empty"), notes(doc));
        assertTrue(doc.select("svg").isEmpty());
        assertTrue(doc.select("table.epochs").isEmpty());
        // blank lines only: still empty
        new FakeRun(dir).metricsText("\n  \n");
        assertTrue(notes(render()).contains("metrics.jsonl is empty"));
    }

    @Test
    void missingFieldsNaNsUnknownFieldsAndBadLinesAreSkipped() throws Exception {
        String metrics = String.join("\n",
                "{\"type\":\"step\",\"step\":1,\"epoch\":1,\"loss\":2.5,\"step_loss\":2.6,\"new_field\":{\"a\":1}}",
                "{\"type\":\"step\",\"step\":2,\"epoch\":1,\"loss\":\"NaN\",\"step_loss\":2.4}",
                "{\"type\":\"step\",\"step\":3,\"epoch\":1,\"loss\":NaN,\"step_loss\":\"Infinity\"}",
                "{\"type\":\"step\",\"step\":4,\"epoch\":1,\"loss\":2.0}",
                "not json at all",
                "{\"type\":\"step\",\"epoch\":1,\"loss\":1.0}",
                "{\"type\":\"step\",\"step\":5,\"epoch\":1,\"loss\":1.8,\"step_loss\":1.7}",
                "{\"type\":\"heartbeat\",\"time\":12}",
                "{\"type\":\"epoch\",\"epoch\":1,\"step\":5,\"train_loss\":2.1}",
                "{\"type\":\"step\",\"step\":6,\"epoch\":2,\"lo", // cut off by a crash
                "");
        new FakeRun(dir).metricsText(metrics);
        Document doc = render();
        // "not json at all", the step line without a step, the cut-off last line
        assertTrue(notes(doc).contains("3 line(s) of metrics.jsonl could not be read"), notes(doc));
        // loss: steps 1, 4, 5 are finite; 2 ("NaN") and 3 (NaN) are left out
        assertEquals(3, SvgPoints.points(SvgPoints.polyline(doc, "loss", "loss")).size());
        // step_loss: steps 1, 2, 5 finite; 3 is infinite; 4 lacks it (not counted as skipped)
        assertEquals(3, SvgPoints.points(SvgPoints.polyline(doc, "loss", "step_loss")).size());
        assertTrue(doc.selectFirst("#chart-loss figcaption").text().startsWith("3 non-finite value(s)"),
                doc.selectFirst("#chart-loss figcaption").text());
        // no lr, no grad_norm, no ROUGE: their places say so
        assertTrue(doc.getElementById("chart-lr").text().contains("No learning-rate values"));
        assertTrue(doc.getElementById("chart-grad-norm").text().contains("No gradient norms"));
        assertTrue(doc.getElementById("chart-rouge").text().contains("No evaluation has run"));
        assertTrue(doc.getElementById("card-best-epoch").text().contains("no evaluation yet"));
        Element row = doc.selectFirst("table.epochs tbody tr");
        assertEquals("\u2014", row.select("td").get(3).text(), "missing ROUGE shows a dash");
        assertEquals("\u2014", row.select("td").get(7).text(), "missing eval time shows a dash");
    }

    @Test
    void malformedUtf8AndWindowsLineEndsDoNotHideTheFile() throws Exception {
        byte[] bad = ("{\"type\":\"step\",\"step\":1,\"loss\":2.0,\"note\":\"\u00e9").getBytes(StandardCharsets.UTF_8);
        byte[] rest = "\\u00e9\"}\r\n{\"type\":\"step\",\"step\":2,\"loss\":1.5}\r\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bad.length + 1 + rest.length];
        System.arraycopy(bad, 0, all, 0, bad.length);
        all[bad.length] = (byte) 0xFF; // never valid in UTF-8
        System.arraycopy(rest, 0, all, bad.length + 1, rest.length);
        Files.write(dir.resolve("metrics.jsonl"), all);
        Document doc = render();
        assertEquals(2, SvgPoints.points(SvgPoints.polyline(doc, "loss", "loss")).size());
        assertEquals("", notes(doc).replace("No config.conf in this run folder.", "").trim());
    }

    @Test
    void allNaNSeriesDrawsAnEmptyPlotThatSaysNoData() throws Exception {
        List<ObjectNode> lines = new ArrayList<>();
        for (int s = 1; s <= 3; s++) {
            lines.add(FakeRun.step(s, 1, Double.NaN, 1e-4));
        }
        new FakeRun(dir).metrics(lines);
        Document doc = render();
        assertEquals("no data", doc.selectFirst("#chart-loss text.no-data").text());
        assertTrue(doc.select("#chart-loss polyline").isEmpty());
        assertEquals(3, SvgPoints.points(SvgPoints.polyline(doc, "lr", "lr")).size());
    }

    @Test
    void onePointAndOneEpochStillShowAMark() throws Exception {
        ObjectNode epoch = FakeRun.JSON.createObjectNode().put("type", "epoch").put("epoch", 1).put("step", 1)
                .put("train_loss", 3.0).put("rouge1", 0.25).put("rougeLsum", 0.2);
        new FakeRun(dir).metrics(List.of(FakeRun.step(1, 1, 3.0, 3e-4), epoch));
        Document doc = render();
        assertEquals(1, SvgPoints.points(SvgPoints.polyline(doc, "loss", "loss")).size());
        assertEquals(1, doc.select("#chart-loss g.series[data-series=loss] circle.marker").size(),
                "a one-point line gets a symbol");
        assertEquals(1, doc.select("#chart-rouge g.series[data-series=rouge1] .marker").size());
        assertTrue(doc.select("#chart-rouge g.series[data-series=rouge2]").isEmpty(), "a type never logged");
        assertEquals(List.of("1"), doc.select("#chart-rouge text.tick-label[text-anchor=middle]").eachText());
        // no best_epoch field: the best epoch is the one with the highest rougeLsum
        assertEquals("1", doc.getElementById("card-best-epoch").selectFirst(".card-value").text());
        // the flat series still gets a y axis with several labelled ticks
        assertTrue(doc.select("#chart-lr text.tick-label").size() >= 4);
        assertTrue(doc.select("#chart-loss polyline").stream().allMatch(p -> !p.attr("points").contains("NaN")));
    }

    @Test
    void thousandsOfStepsAreDownsampledToAThousandPoints() throws Exception {
        List<ObjectNode> lines = new ArrayList<>();
        for (int s = 1; s <= 20000; s++) {
            double spike = s == 12345 ? 50 : 0;
            lines.add(FakeRun.step(s, 1 + s / 10000, FakeRun.loss(s / 40) + spike, FakeRun.lr(s, 20000)));
        }
        new FakeRun(dir).metrics(lines);
        String html = HtmlReport.render(dir, 20);
        Document doc = Jsoup.parse(html);
        Element loss = SvgPoints.polyline(doc, "loss", "loss");
        List<double[]> pts = SvgPoints.points(loss);
        assertEquals(1000, pts.size());
        // the spike survives the downsampling: it is the highest point, far above the rest
        double minY = pts.stream().mapToDouble(p -> p[1]).min().getAsDouble();
        double secondMinY = pts.stream().mapToDouble(p -> p[1]).filter(y -> y > minY).min().getAsDouble();
        assertTrue(secondMinY - minY > 100, "spike at " + minY + ", next highest point at " + secondMinY);
        assertTrue(doc.selectFirst("#chart-loss figcaption").text().contains("loss (window mean): 1000 of 20,000"));
        assertTrue(html.length() < 400_000, "page size " + html.length());
    }

    @Test
    void unparsableConfigIsShownButNotSummarised() throws Exception {
        new FakeRun(dir).config("run { name = \"x\"\n  broken = [1, 2\n");
        Document doc = render();
        assertTrue(notes(doc).contains("config.conf does not parse as HOCON"), notes(doc));
        assertEquals(dir.getFileName().toString(), doc.getElementById("run-name").text());
        assertEquals("run { name = \"x\"\n  broken = [1, 2\n", doc.selectFirst("#config pre").wholeText());
    }

    @Test
    void configAsJsonAndPromptTuningAreSummarised() throws Exception {
        new FakeRun(dir).config("{\"run\":{\"name\":\"pt-run\"},\"model\":{\"path\":\"m\"},\"peft\":{\"method\":"
                + "\"prompt_tuning\",\"prompt_tuning\":{\"num_virtual_tokens\":20,\"init\":\"TEXT\"}}}");
        Document doc = render();
        assertEquals("pt-run", doc.getElementById("run-name").text());
        assertEquals("prompt_tuning (20 virtual tokens, init TEXT)", doc.getElementById("meta-method").text());
    }

    @Test
    void predictionsWithMissingFieldsAndOnlyRougeJson() throws Exception {
        Path epoch = Files.createDirectories(dir.resolve("eval/epoch-2"));
        Files.writeString(epoch.resolve("predictions.jsonl"), "{\"id\":7,\"prediction\":\"only a prediction\"}\n"
                + "{broken\n{\"id\":\"b\",\"reference\":\"single reference string\",\"rouge\":{\"rougeLsum\":0.5}}\n");
        Files.writeString(epoch.resolve("rouge.json"), "{\"rouge1\":0.41,\"rougeLsum\":0.39}");
        Files.createDirectories(dir.resolve("eval/epoch-10"));        // no files: not an evaluation
        Files.createDirectories(dir.resolve("eval/epoch-x"));         // not an epoch folder
        Document doc = render();
        List<Element> rows = doc.select("table.predictions tbody tr");
        assertEquals(2, rows.size());
        assertEquals("7", rows.get(0).selectFirst(".id").text());
        assertEquals("\u2014", rows.get(0).selectFirst(".dialogue-text").text());
        assertEquals("\u2014", rows.get(0).selectFirst(".reference-text").text());
        assertEquals("\u2014", rows.get(0).selectFirst("td.score").text());
        assertEquals("single reference string", rows.get(1).selectFirst(".reference-text").text());
        assertEquals("0.5000", rows.get(1).selectFirst("td.score").ownText(), "a bare number score is accepted");
        assertTrue(notes(doc).contains("1 line(s) of epoch-2/predictions.jsonl could not be read"), notes(doc));
        assertTrue(doc.selectFirst("#predictions .lede").text().startsWith("Epoch 2: the first 2 of 3"));
        // without epoch lines, the final scores come from rouge.json
        Element card = doc.getElementById("card-final-rouge1");
        assertEquals("0.4100", card.selectFirst(".card-value").text());
        assertTrue(card.text().contains("epoch 2 (rouge.json)"));
        assertNotNull(doc.getElementById("card-final-rougeLsum"));
    }
}
