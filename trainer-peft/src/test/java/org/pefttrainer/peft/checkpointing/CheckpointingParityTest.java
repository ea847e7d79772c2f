package org.pefttrainer.peft.checkpointing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ActivationCheckpoints;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelFamily;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.peft.CausalFixtures;
import org.pefttrainer.peft.Gradients;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.load.AdapterLoader;

/**
 * Our checkpointed backward against transformers 4.33.2 + PEFT 0.13.2 with {@code gradient_checkpointing_enable()}
 * (tools/reference/make_checkpointing_fixtures.py, which checks that every block was recomputed): the same loss
 * (1e-5 relative) and LoRA gradients (1e-4 of each tensor's largest, the tolerance of the other gradient parity
 * tests) for Llama, GPT-2 and T5, dropout off on both sides.
 */
class CheckpointingParityTest {
    private static final Path DIR = Path.of("src", "test", "resources", "checkpointing");

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2", "t5"})
    void checkpointedLossAndLoraGradientsEqualTransformersWithGradientCheckpointing(String name) {
        Path c = DIR.resolve(name);
        JsonNode in = Json.read(c.resolve("inputs.json"));
        boolean t5 = name.equals("t5");
        Path base = t5 ? Path.of("src", "test", "resources", "peft-samples", "tiny-t5") : CausalFixtures.CASES.resolve(name);
        Path adapterDir = t5 ? c.resolve("adapter") : base.resolve("peft-lora");
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader ref = SafetensorsReader.open(c.resolve("grads.safetensors"))) {
            HfModelFolder folder = HfModelFolder.open(base);
            LanguageModel model = Architectures.of(folder).load(folder, m.newSubManager(),
                    t5 ? new ModelFamily.LoadOptions(Map.of(), 0.0) : ModelFamily.LoadOptions.NONE);
            try (Adapter adapter = AdapterLoader.load(adapterDir, model, m); NDManager step = m.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ActivationCheckpoints tape = new ActivationCheckpoints();
                ForwardContext ctx = adapter.attach(new ForwardContext(step, true, null, null)).withDropoutSeed(1)
                        .withActivationCheckpoints(tape);
                NDArray labels = t5 ? CausalFixtures.matrix(step, in.get("labels"))
                        : CausalFixtures.shiftedLabels(step, in.get("labels"));
                NDArray loss = TaskForward.loss(model, ctx, CausalFixtures.matrix(step, in.get("input_ids")),
                        CausalFixtures.matrix(step, in.get("attention_mask")),
                        t5 ? CausalFixtures.matrix(step, in.get("decoder_input_ids")) : null, labels);
                float value = loss.getFloat();
                tape.backward(loss);
                float want = ref.readAsFloat32("loss")[0];
                assertEquals(want, value, 1e-5 * Math.abs(want), "loss");
                int checked = 0;
                double worst = 0;
                for (var e : adapter.trainableParameters().entrySet()) {
                    float[] expected = ref.readAsFloat32(e.getKey());
                    float[] got;
                    try (NDArray g = e.getValue().getGradient()) {
                        got = g.toFloatArray();
                    }
                    double[] ds = Gradients.maxDiffAndScale(expected, got);
                    double max = ds[0];
                    double scale = ds[1];
                    assertTrue(scale > 0 && max <= 1e-4 * scale, e.getKey() + ": max |diff| " + max + " of " + scale);
                    worst = Math.max(worst, max / scale);
                    checked++;
                }
                assertEquals(ref.tensors().size() - 1, checked, "every LoRA matrix has a gradient");
                System.out.printf("checkpointing parity %s: loss %.7g vs transformers %.7g, %d LoRA gradients, worst"
                        + " max|diff|/max|g| %.2e%n", name, value, want, checked, worst);
            }
        }
    }
}
