package org.pefttrainer.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.eval.rouge.RougeType;

/** Finds the latest eval/epoch-N folder of a run and reads its predictions.jsonl and rouge.json. */
final class PredictionsReader {
    private static final Pattern EPOCH_DIR = Pattern.compile("epoch-(\\d{1,9})");
    static final String PREDICTIONS = "predictions.jsonl";
    static final String ROUGE = "rouge.json";

    private PredictionsReader() {}

    static Optional<EpochPredictions> latest(Path runDir, int samples) {
        Path evalDir = runDir.resolve("eval");
        if (!Files.isDirectory(evalDir)) {
            return Optional.empty();
        }
        long bestEpoch = -1;
        Path best = null;
        try (Stream<Path> children = Files.list(evalDir)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                Matcher m = EPOCH_DIR.matcher(child.getFileName().toString());
                if (m.matches() && Files.isDirectory(child) && (Files.isRegularFile(child.resolve(PREDICTIONS))
                        || Files.isRegularFile(child.resolve(ROUGE)))) {
                    long epoch = Long.parseLong(m.group(1));
                    if (epoch > bestEpoch) {
                        bestEpoch = epoch;
                        best = child;
                    }
                }
            }
        } catch (IOException e) {
            throw new UserException(evalDir + ": cannot list (" + e.getMessage() + ")", e);
        }
        return best == null ? Optional.empty() : Optional.of(read(best, bestEpoch, samples));
    }

    private static EpochPredictions read(Path folder, long epoch, int samples) {
        List<PredictionSample> shown = new ArrayList<>();
        long total = 0;
        int unreadable = 0;
        Path file = folder.resolve(PREDICTIONS);
        if (Files.isRegularFile(file)) {
            JsonLines.Parsed parsed = JsonLines.read(file, samples);
            for (JsonNode line : parsed.objects()) {
                shown.add(sample(line));
            }
            total = parsed.nonBlank();
            unreadable = parsed.unreadable();
        }
        Map<RougeType, Double> means = new EnumMap<>(RougeType.class);
        Map<RougeType, EpochMetrics.Interval> intervals = new EnumMap<>(RougeType.class);
        Long count = null;
        JsonNode rouge = readRougeJson(folder.resolve(ROUGE));
        if (rouge != null) {
            // the summary shape nests means under "mean"; a flat {"rouge1": f, ...} is accepted too
            JsonNode meanNode = rouge.has("mean") ? rouge.get("mean") : rouge;
            JsonNode intervalNode = rouge.get("interval");
            for (RougeType t : RougeType.values()) {
                Double f = fmeasure(meanNode.get(t.key()));
                if (f != null) {
                    means.put(t, f);
                }
                if (intervalNode != null && intervalNode.has(t.key())) {
                    Double low = fmeasure(intervalNode.get(t.key()).get("low"));
                    Double high = fmeasure(intervalNode.get(t.key()).get("high"));
                    if (low != null && high != null) {
                        intervals.put(t, new EpochMetrics.Interval(low, high));
                    }
                }
            }
            count = JsonLines.whole(rouge, "count");
        }
        return new EpochPredictions(epoch, folder, shown, total, unreadable, means, intervals, count);
    }

    private static PredictionSample sample(JsonNode line) {
        List<String> references = new ArrayList<>();
        JsonNode refs = line.has("references") ? line.get("references") : line.get("reference");
        if (refs != null && refs.isArray()) {
            refs.forEach(r -> references.add(r.isValueNode() ? r.asText() : r.toString()));
        } else if (refs != null && !refs.isNull()) {
            references.add(refs.asText());
        }
        JsonNode rouge = line.get("rouge");
        Double f = rouge == null ? null : fmeasure(rouge.get(RougeType.ROUGE_LSUM.key()));
        return new PredictionSample(JsonLines.text(line, "id"), JsonLines.text(line, "dialogue"), references,
                JsonLines.text(line, "prediction"), f);
    }

    /** A score given as {"fmeasure": f, ...} or as a bare number. */
    private static Double fmeasure(JsonNode score) {
        if (score == null) {
            return null;
        }
        if (score.isObject()) {
            return JsonLines.number(score, "fmeasure");
        }
        if (score.isNumber()) {
            return score.doubleValue();
        }
        return null;
    }

    private static JsonNode readRougeJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = JsonLines.parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
