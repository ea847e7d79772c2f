package org.pefttrainer.eval.compare;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * One row of a comparison, read from a folder that {@code peft eval} wrote (predictions.jsonl, metrics.json,
 * config.conf) or from a training run folder (metrics.jsonl, summary.json, eval/epoch-N/: the best epoch's
 * validation predictions). The scores are recomputed from the predictions and references, so every row is scored
 * by the same code; the training figures come from the run's summary.json (for an eval folder: the run that made
 * its adapter, when the adapter sits in a run folder).
 *
 * @param name       the folder's name
 * @param folder     the folder
 * @param method     zero-shot, lora, prompt_tuning or full
 * @param split      what was scored (the eval split, or "validation, epoch N")
 * @param examples   the scored examples, in file order
 * @param loss       the loss of the references (label tokens) under the model, or null
 * @param training   the run's summary.json, or null (zero-shot, or a run without one)
 * @param useStemmer ROUGE's stemming, as the folder was scored
 */
public record ComparedRow(String name, Path folder, String method, String split, List<Scored> examples, Double loss,
        JsonNode training, boolean useStemmer) {

    /** A prediction and its references. */
    public record Scored(String id, String prediction, List<String> references) {}

    public static ComparedRow read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new UserException(folder + ": not a folder (give run folders or peft eval output folders)");
        }
        Path dir = folder.toAbsolutePath().normalize();
        if (Files.isRegularFile(dir.resolve("metrics.jsonl"))) {
            return fromRun(dir);
        }
        if (Files.isRegularFile(dir.resolve("predictions.jsonl"))) {
            return fromEval(dir);
        }
        throw new UserException(folder + ": neither a run folder (metrics.jsonl) nor an eval folder"
                + " (predictions.jsonl)");
    }

    private static ComparedRow fromEval(Path dir) {
        JsonNode m = readJson(dir.resolve("metrics.json"), dir.resolve("rouge.json"));
        String adapter = m.path("adapter").isTextual() ? m.get("adapter").asText() : null;
        // The run that made the adapter, or with no adapter a full fine-tuning run whose result is the model folder
        // (checkpoints/RUN/adapter holds the whole model): its summary.json sits beside that folder
        String made = adapter != null ? adapter : m.path("model").isTextual() ? m.get("model").asText() : null;
        String method = adapter == null ? "zero-shot" : m.path("method").asText("adapter");
        JsonNode training = made == null ? null
                : summaryIn(Path.of(made).toAbsolutePath().normalize().getParent());
        if (training != null) {
            method = training.path("method").asText(method);
        }
        Double loss = m.path("loss").has("value") ? m.get("loss").get("value").asDouble() : null;
        String split = m.path("split").asText("?");
        return new ComparedRow(dir.getFileName().toString(), dir, method.toLowerCase(Locale.ROOT), split,
                predictions(dir.resolve("predictions.jsonl")), loss, training,
                m.path("rouge_use_stemmer").asBoolean(m.path("use_stemmer").asBoolean(true)));
    }

    private static ComparedRow fromRun(Path dir) {
        int epoch = bestEpoch(dir);
        Path eval = dir.resolve("eval").resolve("epoch-" + epoch);
        if (!Files.isRegularFile(eval.resolve("predictions.jsonl"))) {
            throw new UserException(dir + ": no eval/epoch-" + epoch + "/predictions.jsonl (the run evaluated no epoch;"
                    + " run peft eval with its adapter and compare that folder)");
        }
        JsonNode training = summaryIn(dir);
        Double loss = null;
        try {
            for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
                JsonNode n = Json.MAPPER.readTree(line);
                if ("epoch".equals(n.path("type").asText()) && n.path("epoch").asInt() == epoch && n.has("val_loss")) {
                    loss = n.get("val_loss").asDouble();
                }
            }
        } catch (IOException e) {
            throw new UserException(dir.resolve("metrics.jsonl") + ": cannot read (" + e.getMessage() + ")");
        }
        JsonNode m = Files.isRegularFile(eval.resolve("metrics.json")) ? Json.read(eval.resolve("metrics.json")) : null;
        String method = training != null ? training.path("method").asText("?") : "?";
        return new ComparedRow(dir.getFileName().toString(), dir, method, "validation, epoch " + epoch,
                predictions(eval.resolve("predictions.jsonl")), loss, training,
                m == null || m.path("rouge_use_stemmer").asBoolean(true));
    }

    /** A run folder's summary.json, or null where it has none. */
    private static JsonNode summaryIn(Path runDir) {
        Path summary = runDir.resolve("summary.json");
        return Files.isRegularFile(summary) ? Json.read(summary) : null;
    }

    /** best/best.json's epoch, else the last evaluated epoch. */
    private static int bestEpoch(Path dir) {
        Path best = dir.resolve("best").resolve("best.json");
        if (Files.isRegularFile(best)) {
            return Json.read(best).path("epoch").asInt();
        }
        int last = -1;
        try (Stream<Path> s = Files.isDirectory(dir.resolve("eval")) ? Files.list(dir.resolve("eval")) : Stream.empty()) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (n.matches("epoch-\\d+")) {
                    last = Math.max(last, Integer.parseInt(n.substring(6)));
                }
            }
        } catch (IOException e) {
            throw new UserException(dir + ": cannot list eval/ (" + e.getMessage() + ")");
        }
        if (last < 0) {
            throw new UserException(dir + ": the run has no evaluated epoch (eval/epoch-N/)");
        }
        return last;
    }

    private static JsonNode readJson(Path first, Path fallback) {
        if (Files.isRegularFile(first)) {
            return Json.read(first);
        }
        if (Files.isRegularFile(fallback)) {
            return Json.read(fallback);
        }
        return Json.MAPPER.createObjectNode();
    }

    private static List<Scored> predictions(Path file) {
        List<Scored> out = new ArrayList<>();
        try {
            int lineNo = 0;
            for (String line : Files.readAllLines(file)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = Json.MAPPER.readTree(line);
                if (!n.has("prediction") || !n.path("references").isArray()) {
                    throw new UserException(file + ":" + lineNo + ": expected \"prediction\" and \"references\"");
                }
                List<String> refs = new ArrayList<>();
                n.get("references").forEach(r -> refs.add(r.asText()));
                out.add(new Scored(n.path("id").asText(String.valueOf(lineNo)), n.get("prediction").asText(), refs));
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new UserException(file + ": no predictions");
        }
        return out;
    }

    /** Whether both rows scored the same examples against the same references (so a paired test applies). */
    public boolean sameExamplesAs(ComparedRow other) {
        if (examples.size() != other.examples.size()) {
            return false;
        }
        for (int i = 0; i < examples.size(); i++) {
            Scored a = examples.get(i);
            Scored b = other.examples.get(i);
            if (!a.id().equals(b.id()) || !a.references().equals(b.references())) {
                return false;
            }
        }
        return true;
    }
}
