package org.pefttrainer.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;

/**
 * Where a run stands, as saved in a checkpoint's trainer_state.json: the next batch to train (epoch, index; index
 * equal to the epoch's batch count means its end-of-epoch work is still to do), the number of optimizer updates
 * done, the bookkeeping of best-epoch selection and early stopping, and the running loss sums of the current epoch
 * and logging window (so that a resumed run logs the same train_loss and windowed loss). Dropout and data order
 * derive from (seed, step, epoch), so no RNG state beyond these counters is needed for an exact resume.
 */
public record CheckpointState(
        int globalStep,
        int epoch,
        int batchIndex,
        long metricsBytes,
        double bestValue,
        int bestEpoch,
        int epochsWithoutImprovement,
        int nonfiniteSkips,
        long seed,
        double epochLossSum,
        int epochUpdates,
        double windowLossSum,
        int windowSteps) {

    public static final String FILE = "trainer_state.json";

    public static CheckpointState fresh(long seed) {
        return new CheckpointState(0, 0, 0, 0, Double.NaN, -1, 0, 0, seed, 0, 0, 0, 0);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("global_step", globalStep);
        o.put("epoch", epoch);
        o.put("batch_index", batchIndex);
        o.put("metrics_bytes", metricsBytes);
        if (!Double.isNaN(bestValue)) {
            o.put("best_value", bestValue);
        }
        o.put("best_epoch", bestEpoch);
        o.put("epochs_without_improvement", epochsWithoutImprovement);
        o.put("nonfinite_skips", nonfiniteSkips);
        o.put("seed", seed);
        o.put("epoch_loss_sum", epochLossSum);
        o.put("epoch_updates", epochUpdates);
        o.put("window_loss_sum", windowLossSum);
        o.put("window_steps", windowSteps);
        return o;
    }

    public static CheckpointState read(Path file) {
        JsonNode o = Json.read(file);
        for (String k : new String[] {"global_step", "epoch", "batch_index", "metrics_bytes", "seed"}) {
            if (!o.hasNonNull(k)) {
                throw new UserException(file + ": missing '" + k + "' (not a peft-trainer checkpoint?)");
            }
        }
        // asInt() reads "abc" as 0: a damaged file must be an error, not a checkpoint from step 0.
        return new CheckpointState(count(o, "global_step", file), count(o, "epoch", file),
                count(o, "batch_index", file), countLong(o, "metrics_bytes", file),
                o.has("best_value") ? number(o, "best_value", file) : Double.NaN,
                o.has("best_epoch") ? whole(o, "best_epoch", file, -1) : -1,
                o.has("epochs_without_improvement") ? count(o, "epochs_without_improvement", file) : 0,
                o.has("nonfinite_skips") ? count(o, "nonfinite_skips", file) : 0, o.get("seed").isIntegralNumber()
                        ? o.get("seed").asLong() : bad(file, "seed", o.get("seed"), "a whole number"),
                o.has("epoch_loss_sum") ? number(o, "epoch_loss_sum", file) : 0,
                o.has("epoch_updates") ? count(o, "epoch_updates", file) : 0,
                o.has("window_loss_sum") ? number(o, "window_loss_sum", file) : 0,
                o.has("window_steps") ? count(o, "window_steps", file) : 0);
    }

    private static int count(JsonNode o, String key, Path file) {
        return whole(o, key, file, 0);
    }

    private static int whole(JsonNode o, String key, Path file, int min) {
        JsonNode v = o.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min) {
            return (int) bad(file, key, v, "a whole number >= " + min);
        }
        return v.asInt();
    }

    private static long countLong(JsonNode o, String key, Path file) {
        JsonNode v = o.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            return bad(file, key, v, "a whole number >= 0");
        }
        return v.asLong();
    }

    private static double number(JsonNode o, String key, Path file) {
        JsonNode v = o.get(key);
        if (v == null || !v.isNumber()) {
            return bad(file, key, v, "a number");
        }
        return v.asDouble();
    }

    private static long bad(Path file, String key, JsonNode v, String expected) {
        throw new UserException(file + ": '" + key + "' is " + v + ", expected " + expected);
    }
}
