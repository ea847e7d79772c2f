package org.pefttrainer.eval.report;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens the report in headless Chromium and checks from the screenshot that the charts were drawn: each chart's
 * series colour must cover a line-like stretch of pixels. Skipped only when no Chromium is installed (.ci/run
 * installs Debian's chromium). The screenshot stays in target/report-screenshots/ for a human to look at.
 */
class ChromiumScreenshotTest {
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 1600;

    @TempDir
    Path tmp;

    @Test
    void chartsRenderInHeadlessChromium() throws Exception {
        Path chromium = findChromium();
        Assumptions.assumeTrue(chromium != null,
                "no chromium binary found (looked for chromium, chromium-browser, google-chrome on PATH); "
                        + "install it with `apt-get install -y chromium` to run the report screenshot test");
        Path run = Files.createDirectories(tmp.resolve("run"));
        FakeRun.complete(run);
        Path report = HtmlReport.write(run);
        Path out = Files.createDirectories(Path.of("target", "report-screenshots")).resolve("report.png");
        Files.deleteIfExists(out);

        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--user-data-dir=" + Files.createDirectories(tmp.resolve("profile")),
                "--screenshot=" + out.toAbsolutePath(), "--window-size=" + WIDTH + "," + HEIGHT,
                report.toUri().toString()));
        Path log = tmp.resolve("chromium.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s; log:\n" + Files.readString(log));
        }
        assertTrue(Files.isRegularFile(out) && Files.size(out) > 0,
                "no screenshot (exit " + p.exitValue() + "); log:\n" + Files.readString(log, StandardCharsets.UTF_8));

        BufferedImage img = ImageIO.read(out.toFile());
        assertNotNull(img, "screenshot is not a readable PNG");
        assertEquals(WIDTH, img.getWidth());
        assertEquals(HEIGHT, img.getHeight());
        assertTrue(contentFraction(img) > 0.05, "screenshot is blank: " + contentFraction(img));
        // Each chart's line, in its Okabe-Ito colour, must show up as one connected stroke spanning most of its plot
        // (the plots are about 460 px wide at this window size). Legend swatches (26 px), markers, score bars and
        // the page's accent-coloured text and borders (at most 210 px) are far narrower. ROUGE-Lsum is dashed and
        // spans epochs 1..3 of a 0.5..3.5 axis, about 300 px.
        assertAll(
                () -> assertStroke(img, "training loss line (blue)", 0x0072B2, 400),
                () -> assertStroke(img, "learning-rate line (vermillion)", 0xD55E00, 400),
                () -> assertStroke(img, "gradient-norm line (bluish green)", 0x009E73, 400),
                () -> assertStroke(img, "ROUGE-Lsum line (reddish purple)", 0xCC79A7, 250));
    }

    /** Fails unless pixels of {@code rgb} form a connected set (gaps up to 5 px) at least {@code width} wide. */
    private static void assertStroke(BufferedImage img, String what, int rgb, int width) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean[] mask = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int dr = ((p >> 16) & 0xff) - ((rgb >> 16) & 0xff);
                int dg = ((p >> 8) & 0xff) - ((rgb >> 8) & 0xff);
                int db = (p & 0xff) - (rgb & 0xff);
                mask[y * w + x] = dr * dr + dg * dg + db * db < 30 * 30;
            }
        }
        int widest = 0;
        int reach = 5;
        boolean[] seen = new boolean[w * h];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < mask.length; start++) {
            if (!mask[start] || seen[start]) {
                continue;
            }
            int minX = Integer.MAX_VALUE;
            int maxX = Integer.MIN_VALUE;
            seen[start] = true;
            queue.add(start);
            while (!queue.isEmpty()) {
                int i = queue.poll();
                int x = i % w;
                int y = i / w;
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                for (int ny = Math.max(0, y - reach); ny <= Math.min(h - 1, y + reach); ny++) {
                    for (int nx = Math.max(0, x - reach); nx <= Math.min(w - 1, x + reach); nx++) {
                        int j = ny * w + nx;
                        if (mask[j] && !seen[j]) {
                            seen[j] = true;
                            queue.add(j);
                        }
                    }
                }
            }
            widest = Math.max(widest, maxX - minX + 1);
        }
        assertTrue(widest >= width, what + ": the widest stroke of that colour spans " + widest + " px, expected >= "
                + width);
    }

    /** The share of pixels that differ from the page background (the top-left pixel). */
    private static double contentFraction(BufferedImage img) {
        int background = img.getRGB(0, 0);
        long count = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (img.getRGB(x, y) != background) {
                    count++;
                }
            }
        }
        return (double) count / ((long) img.getWidth() * img.getHeight());
    }

    private static Path findChromium() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
            if (path != null) {
                for (String dir : path.split(File.pathSeparator)) {
                    candidates.add(Path.of(dir, name));
                }
            }
            candidates.add(Path.of("/usr/bin", name));
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }
}
