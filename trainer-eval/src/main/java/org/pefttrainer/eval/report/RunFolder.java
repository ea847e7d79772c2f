package org.pefttrainer.eval.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.pefttrainer.core.UserException;

/**
 * Everything the report reads from a run folder.
 *
 * @param predictions the latest eval/epoch-N output, if any
 */
public record RunFolder(Path dir, RunDescription description, TrainingMetrics metrics,
        Optional<EpochPredictions> predictions) {

    static final String METRICS = "metrics.jsonl";

    /** Reads the run folder, keeping the first {@code samplePredictions} predictions. */
    public static RunFolder read(Path dir, int samplePredictions) {
        if (!Files.isDirectory(dir)) {
            throw new UserException(dir + ": run folder not found");
        }
        return new RunFolder(dir, RunDescriptionReader.read(dir), MetricsFileReader.read(dir.resolve(METRICS)),
                PredictionsReader.latest(dir, samplePredictions));
    }
}
