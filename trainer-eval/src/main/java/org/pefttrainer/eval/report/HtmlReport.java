package org.pefttrainer.eval.report;

import java.nio.file.Path;
import java.time.Instant;
import org.pefttrainer.core.io.AtomicFiles;

/**
 * The training report: one self-contained {@code report.html} in the run folder (inline SVG charts, no scripts, no
 * network at view time) with the run's header and key scores, charts of loss, learning rate, gradient norm and
 * validation ROUGE, a table of epochs, sample predictions beside their references, and the resolved config.
 *
 * <p>Reads {@code metrics.jsonl}, {@code config.conf} and the latest {@code eval/epoch-N/} ({@code
 * predictions.jsonl}, {@code rouge.json}); any of them may be missing, empty or partly unreadable, and the page
 * says so instead of failing.
 */
public final class HtmlReport {
    public static final String FILE_NAME = "report.html";
    public static final int DEFAULT_SAMPLE_PREDICTIONS = 20;

    private HtmlReport() {}

    /** Writes runDir/report.html atomically with the first 20 predictions; returns its path. */
    public static Path write(Path runDir) {
        return write(runDir, DEFAULT_SAMPLE_PREDICTIONS);
    }

    /** Writes runDir/report.html atomically with the first {@code samplePredictions} predictions. */
    public static Path write(Path runDir, int samplePredictions) {
        String html = render(runDir, samplePredictions);
        Path target = runDir.resolve(FILE_NAME);
        AtomicFiles.writeString(target, html);
        return target;
    }

    public static String render(Path runDir) {
        return render(runDir, DEFAULT_SAMPLE_PREDICTIONS);
    }

    /** The page as a string; throws UserException when runDir is not a folder. */
    public static String render(Path runDir, int samplePredictions) {
        if (samplePredictions < 0) {
            throw new IllegalArgumentException("samplePredictions must be >= 0, got " + samplePredictions);
        }
        return ReportPage.render(RunFolder.read(runDir, samplePredictions), samplePredictions, Instant.now());
    }
}
