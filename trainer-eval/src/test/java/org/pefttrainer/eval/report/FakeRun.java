package org.pefttrainer.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds run folders the way the trainer and evaluator lay them out, with values the tests know. */
final class FakeRun {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int STEPS_PER_EPOCH = 100;
    static final int EPOCHS = 3;
    /** rouge1, rouge2, rougeL, rougeLsum per epoch; epoch 2 is the best by rougeLsum. */
    static final double[][] ROUGE = {
        {0.3012, 0.1105, 0.2508, 0.2755},
        {0.3690, 0.1402, 0.3011, 0.3323},
        {0.3650, 0.1398, 0.3004, 0.3301},
    };
    static final String TRICKY_PREDICTION = "<script>alert('pwned')</script> Tom & \"Jerry\" pay 5 < 6 > 4 "
            + "\u2014 na\u00efve caf\u00e9 \u65e5\u672c\u8a9e \ud83d\ude00\nsecond line\n\n  indented third";
    static final String TRICKY_DIALOGUE = "#Person1#: <b>Hi</b> &amp; welcome!\n#Person2#: </td></tr></table>"
            + "<img src=x onerror=alert(1)>\n#Person1#: \u00bfQu\u00e9 tal? \u2603";
    static final String TRICKY_REFERENCE = "Person1 greets <Person2> & asks\nhow they are.";

    final Path dir;

    FakeRun(Path dir) {
        this.dir = dir;
    }

    /** The step lines of a 3-epoch run, one per step, and its epoch lines with ROUGE and intervals. */
    static List<ObjectNode> fullMetrics() {
        List<ObjectNode> lines = new ArrayList<>();
        Random noise = new Random(7);
        int total = STEPS_PER_EPOCH * EPOCHS;
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            for (int i = 1; i <= STEPS_PER_EPOCH; i++) {
                int step = (epoch - 1) * STEPS_PER_EPOCH + i;
                lines.add(step(step, epoch, loss(step) + 0.05 * noise.nextGaussian(), lr(step, total)));
            }
            double[] r = ROUGE[epoch - 1];
            ObjectNode e = JSON.createObjectNode().put("type", "epoch").put("epoch", epoch)
                    .put("step", epoch * STEPS_PER_EPOCH).put("train_loss", loss(epoch * STEPS_PER_EPOCH - 50));
            String[] keys = {"rouge1", "rouge2", "rougeL", "rougeLsum"};
            for (int k = 0; k < 4; k++) {
                e.put(keys[k], r[k]).put(keys[k] + "_low", r[k] - 0.02).put(keys[k] + "_high", r[k] + 0.015);
            }
            e.put("best_epoch", epoch == 1 ? 1 : 2).put("eval_seconds", 12.5 * epoch)
                    .put("some_future_field", "ignored");
            lines.add(e);
        }
        return lines;
    }

    static double loss(int step) {
        return 2.4 * Math.exp(-step / 120.0) + 0.9;
    }

    static double lr(int step, int total) {
        int warmup = 30;
        return step <= warmup ? 3e-4 * step / warmup : 3e-4 * (total - step) / (total - warmup);
    }

    static ObjectNode step(long step, int epoch, double loss, double lr) {
        return JSON.createObjectNode().put("type", "step").put("step", step).put("epoch", epoch).put("loss", loss)
                .put("step_loss", loss + 0.1).put("lr", lr).put("grad_norm", 1.0 + 0.5 * Math.sin(step / 10.0))
                .put("tokens_per_s", 1234.5);
    }

    FakeRun metrics(List<ObjectNode> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        for (ObjectNode l : lines) {
            b.append(JSON.writeValueAsString(l)).append('\n');
        }
        return metricsText(b.toString());
    }

    FakeRun metricsText(String text) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), text, StandardCharsets.UTF_8);
        return this;
    }

    FakeRun config(String text) throws IOException {
        Files.writeString(dir.resolve("config.conf"), text, StandardCharsets.UTF_8);
        return this;
    }

    static String configText(String runName) {
        return "run {\n  name = \"" + runName + "\"\n  output_dir = checkpoints\n  seed = 42\n}\n"
                + "model {\n  path = \"models/flan-t5-base\"\n}\n"
                + "peft {\n  method = lora\n  lora {\n    r = 8\n    alpha = 16\n    target_modules = [q, v]\n"
                + "    target_regex = null\n  }\n}\n"
                + "eval {\n  metric = rougeLsum\n  sample_predictions = 20\n}\n"
                + "data {\n  prompt_template = \"Summarize: <dialogue> & {dialogue}\"\n}\n";
    }

    /** eval/epoch-N/predictions.jsonl with {@code count} lines (the first one tricky) and rouge.json. */
    FakeRun predictions(int epoch, int count, String prefix) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("eval").resolve("epoch-" + epoch));
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", prefix + "-" + i);
            line.put("dialogue", i == 0 ? TRICKY_DIALOGUE : "#Person1#: line " + i + "\n#Person2#: reply " + i);
            ArrayNode refs = line.putArray("references");
            refs.add(i == 0 ? TRICKY_REFERENCE : "reference " + i);
            if (i == 1) {
                refs.add("a second reference for 1");
            }
            line.put("prediction", i == 0 ? TRICKY_PREDICTION : prefix + " prediction " + i);
            ObjectNode rouge = line.putObject("rouge");
            for (String k : new String[] {"rouge1", "rouge2", "rougeL", "rougeLsum"}) {
                rouge.putObject(k).put("precision", 0.5).put("recall", 0.25).put("fmeasure", fmeasure(i));
            }
            line.put("extra", "ignored");
            b.append(JSON.writeValueAsString(line)).append('\n');
        }
        Files.writeString(folder.resolve("predictions.jsonl"), b.toString(), StandardCharsets.UTF_8);
        ObjectNode summary = JSON.createObjectNode().put("count", count).put("use_stemmer", true);
        ObjectNode mean = summary.putObject("mean");
        double[] r = ROUGE[Math.min(epoch, EPOCHS) - 1];
        String[] keys = {"rouge1", "rouge2", "rougeL", "rougeLsum"};
        for (int k = 0; k < 4; k++) {
            mean.putObject(keys[k]).put("precision", 0.4).put("recall", 0.3).put("fmeasure", r[k]);
        }
        Files.writeString(folder.resolve("rouge.json"), JSON.writeValueAsString(summary), StandardCharsets.UTF_8);
        return this;
    }

    /** Per-example rougeLsum F of line i: i / 40, so line 3 has 0.075. */
    static double fmeasure(int i) {
        return i / 40.0;
    }

    /** The standard fixture: config, 300 steps, 3 evaluated epochs, predictions of epochs 1 and 3. */
    static FakeRun complete(Path dir) throws IOException {
        return new FakeRun(dir).config(configText("lora-dialogsum-20240102-030405")).metrics(fullMetrics())
                .predictions(1, 25, "old").predictions(3, 25, "new");
    }
}
