package org.pefttrainer.peft.merge;

import static org.pefttrainer.peft.CausalFixtures.CASES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.lora.LoraWeights;

/**
 * Merging PEFT's LoRA adapters into decoder-only bases equals PEFT 0.13.2's merge_and_unload(): Llama (q_proj,
 * v_proj) and GPT-2 (c_attn, Conv1D: the delta is transposed, fan_in_fan_out); the merged folder loads and gives
 * base + adapter's logits.
 */
class CausalMergeTest {

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"llama-gqa", "gpt2"})
    void mergedWeightsEqualMergeAndUnload(String name) {
        HfModelFolder base = HfModelFolder.open(CASES.resolve(name));
        Path adapterDir = CASES.resolve(name).resolve("peft-lora");
        ModelLayout layout = MergeInputs.layout(base);
        LoraWeights adapter = LoraAdapterReader.readWeights(adapterDir, layout, "peft");
        assertEquals(name.equals("gpt2"), adapter.config().fanInFanOut());
        Path out = dir.resolve(name + "-merged");
        MergedModelWriter.write(base, LoraMerger.of(adapter, layout), out, DType.F32, Long.MAX_VALUE, false);
        try (SafetensorsReader want = SafetensorsReader.open(adapterDir.resolve("merged_changed.safetensors"));
                CheckpointReader got = HfModelFolder.open(out).openWeights()) {
            assertTrue(want.tensors().size() >= 2);
            for (String t : want.tensors().keySet()) {
                float[] a = want.readAsFloat32(t);
                float[] b = got.readAsFloat32(t);
                double max = 0;
                for (int i = 0; i < a.length; i++) {
                    max = Math.max(max, Math.abs(a[i] - b[i]));
                }
                assertTrue(max < 1e-6, name + " " + t + ": max |diff| " + max);
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("config.json")));
        MergeVerifier.Verification v = MergeVerifier.verify(base, adapter, HfModelFolder.open(out), 1e-5, true);
        assertTrue(v.passed(), "merged logits vs base + adapter: " + v.maxAbsDiff());
    }
}
