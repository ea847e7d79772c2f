package org.pefttrainer.peft.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.PeftSamples;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.PromptTuningInit;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * Writes adapters made here, and the logits we compute with them, to target/peft-ours/ for
 * tools/reference/check_peft_loads_peft_samples.py, which loads them with PEFT 0.13.2 (PeftModel.from_pretrained) and
 * compares weights and logits. Here: what we wrote reads back to the same logits.
 */
class PeftInteropExportTest {
    static final Path OUT = Path.of("target", "peft-ours");

    @Test
    void writeOurAdaptersAndLogits() {
        try (NDManager manager = NDManager.newBaseManager()) {
            T5Model base = PeftSamples.tinyT5(manager);
            Map<String, Adapter> adapters = new LinkedHashMap<>();
            adapters.put("lora", LoraModel.create(base, LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.05)
                    .useRslora(true).targetModules(TargetModules.names("q", "v", "wo")).initLoraWeights(LoraInit.NONE)
                    .baseModelNameOrPath("tiny-t5").build(), 2024, manager));
            adapters.put("prompt-sample-vocab", SoftPrompt.create(base, PromptTuningConfig.builder(3)
                    .init(PromptTuningInit.SAMPLE_VOCAB).baseModelNameOrPath("tiny-t5").build(), 2024, null, manager));
            adapters.put("prompt-text", SoftPrompt.create(base, PromptTuningConfig.builder(2)
                    .text("Summarize the dialogue:", "tiny-t5").baseModelNameOrPath("tiny-t5").build(), 2024,
                    t -> new int[] {30, 31, 32, 1}, manager));
            SafetensorsWriter logits = new SafetensorsWriter();
            for (Map.Entry<String, Adapter> e : adapters.entrySet()) {
                try (Adapter a = e.getValue(); NDManager step = manager.newSubManager()) {
                    Path dir = OUT.resolve(e.getKey());
                    a.save(dir);
                    float[] ours = PeftSamples.logits(base, a.attach(ForwardContext.inference(step)));
                    try (Adapter back = AdapterLoader.load(dir, base, manager)) {
                        assertArrayEquals(ours, PeftSamples.logits(base, back.attach(ForwardContext.inference(step))));
                    }
                    // The adapter must change the model, or the Python comparison would prove nothing.
                    float[] plain = PeftSamples.logits(base, ForwardContext.inference(step));
                    assertTrue(PeftSamples.maxAbsDiff(ours, plain) > 1e-2, e.getKey());
                    logits.addFloats("logits." + e.getKey(), DType.F32, new long[] {2, 3, 96}, ours);
                }
            }
            logits.write(OUT.resolve("java-logits.safetensors"));
        }
    }
}
