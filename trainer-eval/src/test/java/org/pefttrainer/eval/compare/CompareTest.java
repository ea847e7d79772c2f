package org.pefttrainer.eval.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.eval.rouge.BootstrapSettings;

/**
 * peft compare's table from fixture folders: a zero-shot eval folder whose predictions are empty (every metric 0),
 * a LoRA run folder whose best epoch predicted the references exactly (ROUGE 1, BLEU 100, EM 1), and an eval folder
 * on other examples. The values, differences and p-values are known without running anything.
 */
class CompareTest {
    @TempDir Path dir;

    static final String[] IDS = {"a", "b", "c", "d"};
    static final String[] REFS = {"the cat sat on the mat .", "#Person1# asks for help with the report .",
        "they will call the doctor on Monday .", "she books a table for two at eight ."};

    private void predictions(Path file, boolean exact, String[] ids) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            sb.append("{\"id\":\"").append(ids[i]).append("\",\"dialogue\":\"x\",\"references\":[\"").append(REFS[i])
                    .append("\"],\"prediction\":\"").append(exact ? REFS[i] : "").append("\"}\n");
        }
        Files.writeString(file, sb.toString());
    }

    private Path zeroShot() throws IOException {
        Path z = dir.resolve("eval-zero-shot");
        predictions(z.resolve("predictions.jsonl"), false, IDS);
        Files.writeString(z.resolve("metrics.json"), "{\"method\":\"zero-shot\",\"adapter\":null,\"split\":\"test\","
                + "\"model\":\"/models/m\",\"loss\":{\"value\":3.25},\"rouge_use_stemmer\":true}");
        return z;
    }

    private Path loraRun() throws IOException {
        Path r = dir.resolve("lora-run");
        predictions(r.resolve("eval/epoch-2/predictions.jsonl"), true, IDS);
        predictions(r.resolve("eval/epoch-1/predictions.jsonl"), false, IDS);
        Files.writeString(r.resolve("metrics.jsonl"), "{\"type\":\"epoch\",\"epoch\":1,\"step\":5,\"val_loss\":2.0}\n"
                + "{\"type\":\"epoch\",\"epoch\":2,\"step\":10,\"val_loss\":1.5}\n");
        Files.createDirectories(r.resolve("best"));
        Files.writeString(r.resolve("best/best.json"), "{\"epoch\":2,\"metric\":\"rougeLsum\",\"value\":1.0}");
        Files.writeString(r.resolve("summary.json"), "{\"method\":\"lora\",\"trainable_parameters\":29184,"
                + "\"trainable_percent\":8.87,\"model_parameters\":329152,\"adapter_bytes\":118000,"
                + "\"train_seconds\":75.5,\"tokens_per_second\":1234.4,\"peak_rss_mib\":612.3}");
        return r;
    }

    private Path otherExamples() throws IOException {
        Path o = dir.resolve("eval-other");
        predictions(o.resolve("predictions.jsonl"), true, new String[] {"a", "b", "c", "x"});
        Files.writeString(o.resolve("metrics.json"), "{\"method\":\"zero-shot\",\"adapter\":null,\"split\":\"dev\"}");
        return o;
    }

    @Test
    void tableFromFixtureFolders() throws IOException {
        Comparison c = Comparison.of(List.of(ComparedRow.read(zeroShot()), ComparedRow.read(loraRun()),
                ComparedRow.read(otherExamples())), new BootstrapSettings(0.95, 200, 42));
        List<List<String>> t = c.mainTable(true);
        assertEquals(List.of("run", "method", "trainable params", "adapter size", "train time", "tokens/s",
                "peak memory", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "BLEU", "EM", "loss"), t.get(0));
        assertEquals(List.of("eval-zero-shot", "zero-shot", "0 (0%)", "-", "-", "-", "-", "0.0000 [0.0000, 0.0000]",
                "0.0000 [0.0000, 0.0000]", "0.0000 [0.0000, 0.0000]", "0.0000 [0.0000, 0.0000]", "0.00 [0.00, 0.00]",
                "0.0000 [0.0000, 0.0000]", "3.2500"), t.get(1));
        assertEquals(List.of("lora-run", "lora", "29,184 (8.9%)", "115.2 KiB", "1 min 16 s", "1,234", "612 MiB",
                "1.0000 [1.0000, 1.0000]", "1.0000 [1.0000, 1.0000]", "1.0000 [1.0000, 1.0000]",
                "1.0000 [1.0000, 1.0000]", "100.00 [100.00, 100.00]", "1.0000 [1.0000, 1.0000]", "1.5000"), t.get(2));
        assertEquals("validation, epoch 2", c.rows().get(1).source().split(), "the best epoch, not the last listed");

        List<List<String>> d = c.deltaTable();
        // the same gain on every example: no resample's |difference| exceeds the observed one once centred, so
        // p = 1 / (1 + 200) as in sacreBLEU's paired bootstrap
        assertEquals(List.of("lora-run", "paired, 4 examples", "+1.0000 (p=0.005)", "+1.0000 (p=0.005)",
                "+1.0000 (p=0.005)", "+1.0000 (p=0.005)", "+100.00 (p=0.005)", "+1.0000 (p=0.005)", "-1.7500"), d.get(1));
        assertEquals("different examples: no test", d.get(2).get(1));
        assertEquals("+1.0000", d.get(2).get(2), "a difference, but no p-value: other examples");

        String md = c.toMarkdown();
        assertTrue(md.startsWith("| run | method | trainable params |"), md);
        assertTrue(md.contains("| lora-run | lora | 29,184 (8.9%) |"), md);
        String text = c.toText();
        assertTrue(text.contains("Difference to the baseline (eval-zero-shot)"), text);
    }

    @Test
    void aFolderThatIsNeitherIsAOneLineError() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        UserException e = assertThrows(UserException.class, () -> ComparedRow.read(empty));
        assertTrue(e.getMessage().contains("neither a run folder") && !e.getMessage().contains("\n"), e.getMessage());
        assertThrows(UserException.class, () -> ComparedRow.read(dir.resolve("missing")));
    }

    @Test
    void theHtmlPageDrawsItsBarsInHeadlessChromium() throws Exception {
        Path chromium = null;
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (chromium == null && Files.isExecutable(Path.of(p, name))) {
                    chromium = Path.of(p, name);
                }
            }
        }
        Assumptions.assumeTrue(chromium != null, "no chromium installed (.ci/run installs Debian's)");
        Comparison c = Comparison.of(List.of(ComparedRow.read(zeroShot()), ComparedRow.read(loraRun())),
                new BootstrapSettings(0.95, 100, 42));
        Path page = dir.resolve("compare.html");
        ComparePage.write(c, page);
        String html = Files.readString(page);
        assertTrue(html.contains("<table class=\"main\">") && !html.contains("<script"), "self-contained, no scripts");
        assertEquals(6, html.split("<figure class=\"chart\"", -1).length - 1, "one chart per metric");
        Path out = Files.createDirectories(Path.of("target", "report-screenshots")).resolve("compare.png");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + Files.createDirectories(dir.resolve("prof")),
                "--screenshot=" + out.toAbsolutePath(), "--window-size=1400,1400", page.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        BufferedImage img = ImageIO.read(out.toFile());
        assertNotNull(img, "a screenshot");
        // the LoRA row's bars (vermillion) are full height in all six charts; the zero-shot row's (blue) are empty
        long vermillion = pixels(img, 0xD55E00);
        assertTrue(vermillion > 6 * 20 * 100, "vermillion bars: " + vermillion + " px");
    }

    private static long pixels(BufferedImage img, int rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int q = img.getRGB(x, y);
                int dr = ((q >> 16) & 0xff) - ((rgb >> 16) & 0xff);
                int dg = ((q >> 8) & 0xff) - ((rgb >> 8) & 0xff);
                int db = (q & 0xff) - (rgb & 0xff);
                n += dr * dr + dg * dg + db * db < 30 * 30 ? 1 : 0;
            }
        }
        return n;
    }
}
