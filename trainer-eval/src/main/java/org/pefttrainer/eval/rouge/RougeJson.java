package org.pefttrainer.eval.rouge;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The JSON shapes of ROUGE results. Per prediction: {@code {"rouge1": {"precision": p, "recall": r,
 * "fmeasure": f}, "rouge2": ..., "rougeL": ..., "rougeLsum": ...}}. Summary: {@code {"count": n, "use_stemmer":
 * b, "mean": {type: score}, "bootstrap": {"confidence": c, "resamples": k, "seed": s}, "interval": {type: {"low":
 * score, "mid": score, "high": score}}}}. Doubles are written so that they read back to the same bits.
 */
public final class RougeJson {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RougeJson() {}

    public static ObjectNode toJson(RougeScores scores) {
        ObjectNode node = MAPPER.createObjectNode();
        for (RougeType type : RougeType.values()) {
            node.set(type.key(), toJson(scores.get(type)));
        }
        return node;
    }

    public static ObjectNode toJson(RougeSummary summary, boolean useStemmer) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("count", summary.count());
        node.put("use_stemmer", useStemmer);
        ObjectNode mean = node.putObject("mean");
        forEachType(summary.mean(), (key, score) -> mean.set(key, toJson(score)));
        ObjectNode bootstrap = node.putObject("bootstrap");
        bootstrap.put("confidence", summary.bootstrap().confidence());
        bootstrap.put("resamples", summary.bootstrap().resamples());
        bootstrap.put("seed", summary.bootstrap().seed());
        ObjectNode interval = node.putObject("interval");
        forEachType(summary.interval(), (key, ci) -> {
            ObjectNode bounds = interval.putObject(key);
            bounds.set("low", toJson(ci.low()));
            bounds.set("mid", toJson(ci.mid()));
            bounds.set("high", toJson(ci.high()));
        });
        return node;
    }

    public static String toLine(RougeScores scores) {
        return toJson(scores).toString();
    }

    private static ObjectNode toJson(Score score) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("precision", score.precision());
        node.put("recall", score.recall());
        node.put("fmeasure", score.fmeasure());
        return node;
    }

    private static <V> void forEachType(Map<RougeType, V> byType, java.util.function.BiConsumer<String, V> action) {
        for (RougeType type : RougeType.values()) {
            V value = byType.get(type);
            if (value != null) {
                action.accept(type.key(), value);
            }
        }
    }
}
