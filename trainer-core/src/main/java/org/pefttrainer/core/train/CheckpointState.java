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
        return new CheckpointState(o.get("global_step").asInt(), o.get("epoch").asInt(), o.get("batch_index").asInt(),
                o.get("metrics_bytes").asLong(), o.has("best_value") ? o.get("best_value").asDouble() : Double.NaN,
                o.path("best_epoch").asInt(-1), o.path("epochs_without_improvement").asInt(0),
                o.path("nonfinite_skips").asInt(0), o.get("seed").asLong(), o.path("epoch_loss_sum").asDouble(0),
                o.path("epoch_updates").asInt(0), o.path("window_loss_sum").asDouble(0), o.path("window_steps").asInt(0));
    }
}
