package org.pefttrainer.eval.evaluate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.RougeJson;

/**
 * Writes an evaluation as predictions.jsonl (one line per example, input order), metrics.json (every metric's value
 * and bootstrap interval, BLEU's parts, the settings) and, with ROUGE, rouge.json (rouge_score's summary).
 */
public final class EvalOutput {
    public static final String PREDICTIONS = "predictions.jsonl";
    public static final String ROUGE = "rouge.json";
    public static final String METRICS = "metrics.json";
    /** What exact match compares, as metrics.json states it. */
    public static final String EXACT_MATCH_NORMALIZATION = "SQuAD v1.1 normalize_answer: lower-case, ASCII"
            + " punctuation removed, articles a/an/the removed, whitespace collapsed; 1 if equal to any reference";

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
            p.example().adapter().ifPresent(a -> line.put("adapter", a));
            if (p.scores() != null) {
                line.set("rouge", RougeJson.toJson(p.scores()));
            }
            if (!Double.isNaN(p.metrics().exactMatch())) {
                line.put("exact_match", p.metrics().exactMatch());
            }
            sb.append(Json.compact(line)).append('\n');
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        AtomicFiles.write(dir.resolve(PREDICTIONS), tmp -> Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8));
        if (result.summary() != null) {
            ObjectNode rouge = RougeJson.toJson(result.summary(), useStemmer);
            rouge.put("examples", result.predictions().size());
            rouge.put("seconds", result.seconds());
            rouge.put("generated_tokens", result.generatedTokens());
            rouge.setAll(about);
            Json.write(dir.resolve(ROUGE), rouge);
        }
        ObjectNode metrics = metricsJson(result.metrics(), useStemmer);
        metrics.put("seconds", result.seconds());
        metrics.put("generated_tokens", result.generatedTokens());
        metrics.setAll(about);
        Json.write(dir.resolve(METRICS), metrics);
    }

    /** {"examples", "metrics": {key: {value, low, mid, high}}, "bleu": {...}, "bootstrap", ...}. */
    public static ObjectNode metricsJson(TextMetrics.Summary s, boolean useStemmer) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("examples", s.count());
        ObjectNode m = o.putObject("metrics");
        s.estimates().forEach((k, e) -> {
            ObjectNode v = m.putObject(k);
            v.put("value", e.value());
            if (e.hasInterval()) {
                v.put("low", e.low());
                v.put("mid", e.mid());
                v.put("high", e.high());
            }
        });
        if (s.bleu() != null) {
            ObjectNode b = o.putObject("bleu");
            b.put("signature", "case:mixed|eff:no|tok:13a|smooth:exp (sacreBLEU's defaults)");
            ArrayNode counts = b.putArray("counts");
            ArrayNode totals = b.putArray("totals");
            ArrayNode precisions = b.putArray("precisions");
            for (int n = 0; n < s.bleu().correct().length; n++) {
                counts.add(s.bleu().correct()[n]);
                totals.add(s.bleu().total()[n]);
                precisions.add(s.bleu().precisions()[n]);
            }
            b.put("bp", s.bleu().bp());
            b.put("sys_len", s.bleu().sysLen());
            b.put("ref_len", s.bleu().refLen());
        }
        if (s.estimates().containsKey("exact_match")) {
            o.put("exact_match_normalization", EXACT_MATCH_NORMALIZATION);
        }
        if (s.rouge() != null) {
            o.put("rouge_use_stemmer", useStemmer);
        }
        ObjectNode boot = o.putObject("bootstrap");
        boot.put("resamples", s.bootstrap().resamples());
        boot.put("seed", s.bootstrap().seed());
        boot.put("confidence", s.bootstrap().confidence());
        return o;
    }
}
