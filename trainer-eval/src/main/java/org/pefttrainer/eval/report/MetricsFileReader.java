package org.pefttrainer.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.eval.rouge.RougeType;

/** Reads metrics.jsonl as the trainer writes it; unknown fields are ignored, missing ones stay null. */
final class MetricsFileReader {
    private MetricsFileReader() {}

    static TrainingMetrics read(Path file) {
        if (!Files.isRegularFile(file)) {
            return new TrainingMetrics(TrainingMetrics.State.MISSING, List.of(), List.of(), 0);
        }
        JsonLines.Parsed parsed = JsonLines.read(file, Integer.MAX_VALUE);
        if (parsed.objects().isEmpty() && parsed.unreadable() == 0) {
            return new TrainingMetrics(TrainingMetrics.State.EMPTY, List.of(), List.of(), 0);
        }
        List<StepMetrics> steps = new ArrayList<>();
        List<EpochMetrics> epochs = new ArrayList<>();
        int unreadable = parsed.unreadable();
        for (JsonNode line : parsed.objects()) {
            switch (kind(line)) {
                case "step" -> {
                    Long step = JsonLines.whole(line, "step");
                    if (step == null) {
                        unreadable++; // a step line that cannot be placed on the x axis
                    } else {
                        steps.add(new StepMetrics(step, JsonLines.whole(line, "epoch"), JsonLines.number(line, "loss"),
                                JsonLines.number(line, "step_loss"), JsonLines.number(line, "lr"),
                                JsonLines.number(line, "grad_norm"), JsonLines.number(line, "tokens_per_s")));
                    }
                }
                case "epoch" -> epochs.add(epoch(line, epochs.size() + 1));
                default -> { } // other record types a later trainer may add
            }
        }
        return new TrainingMetrics(TrainingMetrics.State.PRESENT, steps, epochs, unreadable);
    }

    /** The line's "type"; lines without one are told apart by their fields. */
    private static String kind(JsonNode line) {
        String type = JsonLines.text(line, "type");
        if (type != null) {
            return type;
        }
        if (line.has("train_loss") || line.has(RougeType.ROUGE1.key()) || line.has(RougeType.ROUGE_LSUM.key())) {
            return "epoch";
        }
        return line.has("step") ? "step" : "";
    }

    private static EpochMetrics epoch(JsonNode line, int ordinal) {
        Map<RougeType, Double> rouge = new EnumMap<>(RougeType.class);
        Map<RougeType, EpochMetrics.Interval> intervals = new EnumMap<>(RougeType.class);
        for (RougeType t : RougeType.values()) {
            Double f = JsonLines.number(line, t.key());
            if (f != null) {
                rouge.put(t, f);
            }
            Double low = JsonLines.number(line, t.key() + "_low");
            Double high = JsonLines.number(line, t.key() + "_high");
            if (low != null && high != null) {
                intervals.put(t, new EpochMetrics.Interval(low, high));
            }
        }
        Map<String, Double> other = new java.util.LinkedHashMap<>();
        Map<String, EpochMetrics.Interval> otherIntervals = new java.util.LinkedHashMap<>();
        for (String k : EpochMetrics.OTHER) {
            Double v = JsonLines.number(line, k);
            if (v != null) {
                other.put(k, v);
            }
            Double low = JsonLines.number(line, k + "_low");
            Double high = JsonLines.number(line, k + "_high");
            if (low != null && high != null) {
                otherIntervals.put(k, new EpochMetrics.Interval(low, high));
            }
        }
        Long epoch = JsonLines.whole(line, "epoch");
        return new EpochMetrics(epoch == null ? ordinal : epoch, JsonLines.whole(line, "step"),
                JsonLines.number(line, "train_loss"), rouge, intervals, JsonLines.whole(line, "best_epoch"),
                JsonLines.number(line, "eval_seconds"), other, otherIntervals);
    }
}
