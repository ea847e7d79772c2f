package org.pefttrainer.eval.rouge;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
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
        writeScores(input, output, pair -> {
            RougeScores scores = scorer.score(pair.prediction(), pair.references());
            aggregator.add(scores);
            return scores;
        });
        return aggregator.aggregate();
    }

    /**
     * Reads the pairs of {@code input} once and writes the ROUGE line of each to {@code output}; {@code score} gives
     * those scores and may keep more of its own (other metrics over the same pairs).
     */
    public static void writeScores(Path input, Path output, Function<RougePair, RougeScores> score) {
        try (RougePairReader reader = new RougePairReader(input)) {
            AtomicFiles.write(output, tmp -> writeLines(tmp, out -> {
                int count = 0;
                for (RougePair pair = reader.next(); pair != null; pair = reader.next()) {
                    out.write(RougeJson.toLine(score.apply(pair)));
                    out.write('\n');
                    count++;
                }
                if (count == 0) {
                    throw new UserException(input + ": no prediction/reference pairs in the file");
                }
            }));
        }
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
