package org.pefttrainer.eval.evaluate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.eval.rouge.RougeJson;

/** Writes an evaluation as predictions.jsonl (one line per example, input order) and rouge.json (means, intervals, settings). */
public final class EvalOutput {
    public static final String PREDICTIONS = "predictions.jsonl";
    public static final String ROUGE = "rouge.json";

    private EvalOutput() {}

    /** {@code about} is merged into rouge.json: model, adapter, split, decoding settings, timing. */
    public static void write(Path dir, EvalResult result, boolean useStemmer, ObjectNode about) {
        StringBuilder sb = new StringBuilder();
        for (Prediction p : result.predictions()) {
            ObjectNode line = Json.MAPPER.createObjectNode();
            line.put("id", p.example().id());
            line.put("dialogue", p.example().source());
            ArrayNode refs = line.putArray("references");
            p.example().references().forEach(refs::add);
            line.put("prediction", p.prediction());
            line.set("rouge", RougeJson.toJson(p.scores()));
            sb.append(Json.compact(line)).append('\n');
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        AtomicFiles.write(dir.resolve(PREDICTIONS), tmp -> Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8));
        ObjectNode rouge = RougeJson.toJson(result.summary(), useStemmer);
        rouge.put("examples", result.predictions().size());
        rouge.put("seconds", result.seconds());
        rouge.put("generated_tokens", result.generatedTokens());
        rouge.setAll(about);
        Json.write(dir.resolve(ROUGE), rouge);
    }
}
