package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.CausalLM;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.registry.Architectures;
import org.pefttrainer.core.task.TaskForward;
import org.pefttrainer.core.tensor.Ops;
import org.pefttrainer.core.testing.JsonArrays;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.peft.merge.LoraMerger;

/**
 * Every LoRA variant of issue 20's table, made and saved by PEFT 0.13.2 (tools/reference/make_lora_variant_fixtures.py:
 * rank/alpha patterns, layers_to_transform, DoRA, modules_to_save, bias all / lora_only, embedding LoRA,
 * adapter_model.bin; on Llama, Qwen2, GPT-2 and T5). Loaded here, each gives PEFT's logits and greedy tokens, PEFT's
 * loss and gradients for every trainable tensor, and merges into PEFT's merge_and_unload weights, or is refused
 * with a one-line error where a merged checkpoint cannot hold it (a tie would change the other side).
 */
class LoraVariantParityTest {
    static final Path DIR = Path.of("src/test/resources/lora-variants");
    /** Merges refused on purpose: they change one side of a tied embedding / output layer. */
    static final Map<String, String> MERGE_REFUSED = Map.of(
            "gpt2-embedding", "cannot be merged", "gpt2-modules-to-save", "cannot be merged",
            "llama-tied-embed-save", "cannot be merged");

    /**
     * A mixed batch on one Llama base: row 0 uses a DoRA adapter, row 1 an embedding-LoRA one (both outside the
     * batched matmul), then row 0 a plain one with rank patterns and row 1 DoRA; each row equals its adapter alone.
     * An adapter that replaces base parameters (modules_to_save) cannot share a batch: one line says so.
     */
    @org.junit.jupiter.api.Test
    void mixedBatchesHoldDoraAndEmbeddingAdaptersAndRefuseReplacedParameters() {
        JsonNode in = Json.read(DIR.resolve("llama-dora/inputs.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            LanguageModel model = base("llama-dora", m);
            try (org.pefttrainer.peft.registry.AdapterRegistry reg =
                    new org.pefttrainer.peft.registry.AdapterRegistry(model, m)) {
                for (String n : List.of("llama-dora", "llama-embedding", "llama-patterns", "llama-modules-to-save")) {
                    reg.load(n, DIR.resolve(n).resolve("adapter"));
                }
                for (List<String> rows : List.of(List.of("llama-dora", "llama-embedding"),
                        List.of("llama-patterns", "llama-dora"))) {
                    float[] mixed;
                    try (var b = reg.batch(rows)) {
                        mixed = logits(model, b.attach(ForwardContext.inference(m)), in).toFloatArray();
                    }
                    int half = mixed.length / 2;
                    for (int r = 0; r < 2; r++) {
                        float[] alone;
                        try (var b = reg.batch(rows.get(r))) {
                            alone = logits(model, b.attach(ForwardContext.inference(m)), in).toFloatArray();
                        }
                        double max = 0;
                        for (int i = r * half; i < (r + 1) * half; i++) {
                            max = Math.max(max, Math.abs(alone[i] - mixed[i]));
                        }
                        assertTrue(max <= 1e-5, rows + " row " + r + ": max |Δ| " + max);
                    }
                }
                assertTrue(reg.needsOwnBatch("llama-modules-to-save") && !reg.needsOwnBatch("llama-dora"));
                UserException e = assertThrows(UserException.class,
                        () -> reg.batch(List.of("llama-modules-to-save", "llama-dora")));
                assertTrue(e.getMessage().startsWith("adapter 'llama-modules-to-save' replaces base parameters"),
                        e.getMessage());
            }
        }
    }

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        Json.read(DIR.resolve("manifest.json")).fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    private static JsonNode manifest(String name) {
        return Json.read(DIR.resolve("manifest.json")).get(name);
    }

    private static LanguageModel base(String name, NDManager m) {
        return Architectures.load(HfModelFolder.open(Path.of("..").resolve(manifest(name).get("base").asText())), m);
    }

    private static NDArray logits(LanguageModel model, ForwardContext ctx, JsonNode in) {
        NDManager m = ctx.manager();
        NDArray ids = JsonArrays.matrix(m, in.get("input_ids"));
        NDArray mask = JsonArrays.matrix(m, in.get("attention_mask"));
        if (model instanceof CausalLM c) {
            return c.forward(ctx, ids, mask, JsonArrays.matrix(m, in.get("position_ids")), null);
        }
        return TaskForward.logits(model, ctx, ids, mask, JsonArrays.matrix(m, in.get("decoder_input_ids")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void loadsAndGivesPeftsLogitsAndGreedyTokens(String name, @TempDir Path tmp) {
        Path c = DIR.resolve(name);
        JsonNode in = Json.read(c.resolve("inputs.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader ref = SafetensorsReader.open(c.resolve("expected.safetensors"))) {
            LanguageModel model = base(name, m);
            float[] want = ref.readAsFloat32("logits");
            float[] plain = logits(model, ForwardContext.inference(m), in).toFloatArray();
            try (Adapter a = AdapterLoader.load(c.resolve("adapter"), model, m)) {
                float[] got = logits(model, a.attach(ForwardContext.inference(m)), in).toFloatArray();
                assertClose(name, want, got, plain, in);
                assertEquals(in.get("greedy").toString(), greedy(model, a, in, m).toString(), name + ": greedy tokens");
                // what we write loads back to the same logits
                a.save(tmp.resolve("ours"));
                try (Adapter back = AdapterLoader.load(tmp.resolve("ours"), model, m)) {
                    float[] again = logits(model, back.attach(ForwardContext.inference(m)), in).toFloatArray();
                    assertClose(name + " (saved here, read back)", want, again, plain, in);
                }
            }
        }
    }

    private static void assertClose(String name, float[] want, float[] got, float[] plain, JsonNode in) {
        assertEquals(want.length, got.length, name);
        double maxRef = 0;
        double maxDiff = 0;
        double effect = 0;
        for (int i = 0; i < want.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
            effect = Math.max(effect, Math.abs(want[i] - plain[i]));
        }
        System.out.printf(java.util.Locale.ROOT, "%s: max |Δlogit| %.2e of max |logit| %.2f%n", name, maxDiff, maxRef);
        assertTrue(effect > 1e-2, name + ": the adapter changes the logits (" + effect + ")");
        assertTrue(maxDiff <= 2e-5 * Math.max(1, maxRef), name + ": max |Δlogit| " + maxDiff + " of " + maxRef);
    }

    /** Four greedy tokens per row, from a loop of full forwards on the row alone (no padding), as the fixture. */
    private static JsonNode greedy(LanguageModel model, Adapter a, JsonNode in, NDManager root) {
        List<List<Long>> rows = new ArrayList<>();
        JsonNode ids = in.get("input_ids");
        JsonNode mask = in.get("attention_mask");
        for (int r = 0; r < ids.size(); r++) {
            List<Long> prompt = new ArrayList<>();
            for (int t = 0; t < ids.get(r).size(); t++) {
                if (mask.get(r).get(t).asLong() == 1) {
                    prompt.add(ids.get(r).get(t).asLong());
                }
            }
            List<Long> seq = model instanceof CausalLM ? new ArrayList<>(prompt) : new ArrayList<>(List.of(0L));
            for (int step = 0; step < 4; step++) {
                try (NDManager m = root.newSubManager()) {
                    ForwardContext ctx = a.attach(ForwardContext.inference(m));
                    NDArray logits;
                    if (model instanceof CausalLM c) {
                        NDArray x = m.create(seq.stream().mapToLong(Long::longValue).toArray(), new Shape(1, seq.size()));
                        logits = c.forward(ctx, x, x.onesLike(), null, null);
                    } else {
                        NDArray x = m.create(prompt.stream().mapToLong(Long::longValue).toArray(),
                                new Shape(1, prompt.size()));
                        NDArray d = m.create(seq.stream().mapToLong(Long::longValue).toArray(), new Shape(1, seq.size()));
                        logits = TaskForward.logits(model, ctx, x, x.onesLike(), d);
                    }
                    seq.add(logits.get("0, -1").argMax().getLong());
                }
            }
            rows.add(seq);
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(rows);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossAndEveryGradientEqualPefts(String name) {
        Path c = DIR.resolve(name);
        JsonNode in = Json.read(c.resolve("inputs.json"));
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader ref = SafetensorsReader.open(c.resolve("expected.safetensors"))) {
            LanguageModel model = base(name, m);
            try (Adapter a = AdapterLoader.load(c.resolve("adapter"), model, m)) {
                float loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    ForwardContext ctx = a.attach(ForwardContext.inference(m));
                    NDArray l;
                    JsonNode labels = in.get("labels");
                    if (model instanceof CausalLM) {
                        // transformers shifts the labels inside the model; the fixture's rows keep generate()'s
                        // position ids, so the logits come from the same forward as the logits check
                        NDArray shifted = org.pefttrainer.peft.CausalFixtures.shiftedLabels(m, labels);
                        l = Ops.crossEntropy(logits(model, ctx, in), shifted);
                    } else {
                        l = TaskForward.loss(model, ctx, JsonArrays.matrix(m, in.get("input_ids")),
                                JsonArrays.matrix(m, in.get("attention_mask")),
                                JsonArrays.matrix(m, in.get("decoder_input_ids")), JsonArrays.matrix(m, labels));
                    }
                    loss = l.getFloat();
                    gc.backward(l);
                }
                assertEquals(ref.readAsFloat32("loss")[0], loss, 2e-5, name + ": loss");
                int expected = 0;
                for (String k : ref.tensors().keySet()) {
                    expected += k.startsWith("grad.") ? 1 : 0;
                }
                assertEquals(expected, a.trainableParameters().size(), name + ": trainable tensors "
                        + a.trainableParameters().keySet());
                for (var e : a.trainableParameters().entrySet()) {
                    float[] want = ref.readAsFloat32("grad." + e.getKey());
                    float[] got = e.getValue().getGradient().toFloatArray();
                    double max = 0;
                    double scale = 0;
                    for (int i = 0; i < want.length; i++) {
                        max = Math.max(max, Math.abs(want[i] - got[i]));
                        scale = Math.max(scale, Math.abs(want[i]));
                    }
                    assertTrue(max <= 1e-4 * Math.max(scale, 1e-3), name + " " + e.getKey() + ": max |Δgrad| " + max
                            + " of " + scale);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void mergeEqualsPeftsMergeAndUnload(String name) {
        Path c = DIR.resolve(name);
        HfModelFolder folder = HfModelFolder.open(Path.of("..").resolve(manifest(name).get("base").asText()));
        ModelLayout layout = Architectures.layout(folder);
        LoraWeights w = LoraAdapterReader.readWeights(c.resolve("adapter"), layout, name);
        if (MERGE_REFUSED.containsKey(name)) {
            UserException e = assertThrows(UserException.class, () -> LoraMerger.of(w, layout));
            assertTrue(e.getMessage().contains(MERGE_REFUSED.get(name)) && !e.getMessage().contains("\n"),
                    e.getMessage());
            return;
        }
        LoraMerger merger = LoraMerger.of(w, layout);
        Path weights = folder.dir().resolve("model.safetensors");
        try (SafetensorsReader baseFile = SafetensorsReader.open(weights);
                SafetensorsReader changed = SafetensorsReader.open(c.resolve("merged_changed.safetensors"))) {
            int seen = 0;
            double worst = 0;
            for (Iterator<String> it = baseFile.tensors().keySet().iterator(); it.hasNext();) {
                String k = it.next();
                float[] merged = merger.merge(k, baseFile.readAsFloat32(k));
                float[] want = changed.contains(k) ? changed.readAsFloat32(k) : baseFile.readAsFloat32(k);
                double max = 0;
                for (int i = 0; i < want.length; i++) {
                    max = Math.max(max, Math.abs(want[i] - merged[i]));
                }
                assertTrue(max <= 1e-5, name + " " + k + ": max |Δ| " + max);
                worst = Math.max(worst, max);
                seen += changed.contains(k) ? 1 : 0;
            }
            System.out.printf(java.util.Locale.ROOT, "%s: merge max |Δ| %.2e over %d changed tensors%n", name, worst,
                    seen);
            long stored = changed.tensors().keySet().stream().filter(baseFile::contains).count();
            assertEquals(stored, seen, name);
            assertTrue(seen > 0, name);
        }
    }
}
