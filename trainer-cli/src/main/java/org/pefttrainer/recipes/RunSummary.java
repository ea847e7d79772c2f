package org.pefttrainer.recipes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.pefttrainer.core.ProcessMemory;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.train.Trainer;

/**
 * summary.json of a run folder: what a comparison of runs needs beside the scores: the method, parameters (all and
 * trainable), the adapter's size on disk, training time and throughput, and the process's peak memory.
 */
final class RunSummary {
    static final String FILE = "summary.json";

    private RunSummary() {}

    static void write(Path runDir, String method, String describe, Path model, long modelParameters,
                      long trainableParameters, Trainer.Result result, double trainSeconds,
                      java.util.Map<String, Object> extra) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("method", method);
        o.put("trainable", describe);
        o.put("model", model.toString());
        o.put("model_parameters", modelParameters);
        o.put("trainable_parameters", trainableParameters);
        o.put("trainable_percent", 100.0 * trainableParameters / modelParameters);
        o.put("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
        o.put("steps", result.globalStep());
        if (result.adapterDir() != null) {
            o.put("adapter", result.adapterDir().toString());
            o.put("adapter_bytes", folderBytes(result.adapterDir()));
        }
        double evalSeconds = 0;
        List<Double> rates = new ArrayList<>();
        Path metrics = runDir.resolve("metrics.jsonl");
        try {
            for (String line : Files.isRegularFile(metrics) ? Files.readAllLines(metrics) : List.<String>of()) {
                JsonNode n = Json.MAPPER.readTree(line);
                if (n.has("eval_seconds")) {
                    evalSeconds += n.get("eval_seconds").asDouble();
                }
                if (n.has("tokens_per_s")) {
                    rates.add(n.get("tokens_per_s").asDouble());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // seconds of this process (a resumed run: of the last attempt), evaluation included; tokens/s: the median of
        // the logged windows, which count training steps only
        o.put("train_seconds", trainSeconds);
        o.put("eval_seconds", evalSeconds);
        if (!rates.isEmpty()) {
            Collections.sort(rates);
            o.put("tokens_per_second", rates.get(rates.size() / 2));
        }
        double peak = ProcessMemory.peakRssMib();
        if (peak > 0) {
            o.put("peak_rss_mib", peak);
        }
        extra.forEach((k, v) -> o.set(k, Json.MAPPER.valueToTree(v)));
        Json.write(runDir.resolve(FILE), o);
    }

    static long folderBytes(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
