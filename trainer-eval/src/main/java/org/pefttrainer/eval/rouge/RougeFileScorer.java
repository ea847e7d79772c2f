package org.pefttrainer.eval.rouge;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;

/**
 * Scores a JSONL file of prediction/reference pairs (see {@link RougePairReader}) into a JSONL file with one
 * line of scores per input line, in order (see {@link RougeJson}), and returns the summary (mean and bootstrap
 * interval). The output appears only once complete.
 */
public final class RougeFileScorer {
    private final RougeScorer scorer;
    private final BootstrapSettings bootstrap;

    public RougeFileScorer(RougeScorer scorer, BootstrapSettings bootstrap) {
        this.scorer = scorer;
        this.bootstrap = bootstrap;
    }

    public RougeSummary scoreFile(Path input, Path output) {
        BootstrapAggregator aggregator = new BootstrapAggregator(bootstrap);
        try (RougePairReader reader = new RougePairReader(input)) {
            AtomicFiles.write(output, tmp -> writeLines(tmp, out -> {
                for (RougePair pair = reader.next(); pair != null; pair = reader.next()) {
                    RougeScores scores = scorer.score(pair.prediction(), pair.references());
                    aggregator.add(scores);
                    out.write(RougeJson.toLine(scores));
                    out.write('\n');
                }
                if (aggregator.count() == 0) {
                    throw new UserException(input + ": no prediction/reference pairs in the file");
                }
            }));
        }
        return aggregator.aggregate();
    }

    /** Writes {@code summary} as pretty JSON to {@code file}, atomically. */
    public void writeSummary(RougeSummary summary, Path file) {
        String json = RougeJson.toJson(summary, scorer.usesStemmer()).toPrettyString();
        AtomicFiles.writeString(file, json + "\n");
    }

    private interface Lines {
        void write(BufferedWriter out) throws IOException;
    }

    private static void writeLines(Path file, Lines body) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            body.write(out);
        }
    }
}
