package org.pefttrainer.core.data;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops examples a summariser cannot learn from: an empty source or an empty target (first reference). Readers
 * keep such records so counts match the datasets' documentation (SAMSum train has 14,732 records, one of them,
 * id 13828807, with an empty dialogue); the training loop calls this and the skip count goes to the log.
 */
public final class TrainingFilter {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingFilter.class);
    private static final int IDS_IN_LOG = 10;

    private TrainingFilter() {}

    /** What was kept and the ids of what was skipped. */
    public record Result(List<Example> kept, List<String> skippedIds) {
        public Result {
            kept = List.copyOf(kept);
            skippedIds = List.copyOf(skippedIds);
        }
    }

    /**
     * Keeps the examples with a non-blank source and target, in order, and logs one line with the number skipped.
     *
     * @param what names the data in the log line, e.g. "samsum train"
     */
    public static Result keepNonEmpty(List<Example> examples, String what) {
        List<Example> kept = new ArrayList<>(examples.size());
        List<String> skipped = new ArrayList<>();
        for (Example e : examples) {
            if (e.source().isBlank() || e.target().isBlank()) {
                skipped.add(e.id());
            } else {
                kept.add(e);
            }
        }
        if (!skipped.isEmpty()) {
            LOG.info("{}: skipped {} of {} examples with an empty dialogue or summary (ids {}{})", what,
                    skipped.size(), examples.size(), String.join(", ", skipped.subList(0, Math.min(IDS_IN_LOG,
                            skipped.size()))), skipped.size() > IDS_IN_LOG ? ", ..." : "");
        }
        return new Result(kept, skipped);
    }
}
