package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.Seq2SeqLM;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.merge.LoraMerger;
import org.pefttrainer.peft.merge.MergeInputs;
import org.pefttrainer.peft.merge.MergedModelWriter;
import org.pefttrainer.peft.merge.WeightedAdapters;

/**
 * Merging against PEFT 0.13.2 (fixtures of tools/reference/make_fixtures.py, kinds lora_merge and weighted_adapter):
 * <ul>
 *   <li>lora_merge: our merged tensors equal {@code merge_and_unload()}'s, exactly the same tensors change, and the
 *   merged model folder (written by our streaming writer) gives PEFT's merged-model logits;</li>
 *   <li>weighted_adapter: our combined adapter's tensors and config equal {@code add_weighted_adapter}'s, base +
 *   combined adapter gives PEFT's logits, and merging it gives PEFT's merged tensors.</li>
 * </ul>
 * Tolerances: the combined adapter's tensors are bit-identical (same fp32 operations in the same order as PEFT);
 * merged weights 2e-7 absolute (values up to ~1: one or two fp32 ulps, since B·A is summed in another order than
 * torch's matmul; 3e-8 observed); logits 1e-4 absolute (logits up to ~10 through two fp32 networks; 2e-5 observed).
 */
class MergeParityTest {
    static final double COMBINED_TOLERANCE = 0;
    static final double WEIGHT_TOLERANCE = 2e-7;
    static final double LOGIT_TOLERANCE = 1e-4;

    static Path reference;
    static JsonNode manifest;
    static Path tmp;

    @BeforeAll
    static void setUp() throws IOException, URISyntaxException {
        reference = Path.of(MergeParityTest.class.getResource("/reference/manifest.json").toURI()).getParent();
        manifest = Json.read(reference.resolve("manifest.json"));
        tmp = Files.createTempDirectory("merge-parity");
    }

    @AfterAll
    static void tearDown() {
        AtomicFiles.deleteRecursively(tmp);
    }

    static List<JsonNode> cases(String kind) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : manifest.get("cases")) {
            if (c.get("kind").asText().equals(kind)) {
                out.add(c);
            }
        }
        assertFalse(out.isEmpty(), "manifest has " + kind + " cases");
        return out;
    }

    static HfModelFolder checkpoint(JsonNode c) {
        return HfModelFolder.open(reference.resolve("checkpoints").resolve(c.get("checkpoint").asText()));
    }

    @TestFactory
    Stream<DynamicTest> loraMergeEqualsMergeAndUnload() {
        return cases("lora_merge").stream().map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> {
            HfModelFolder base = checkpoint(c);
            ModelLayout layout = MergeInputs.layout(base);
            LoraWeights adapter = LoraAdapterReader.readWeights(reference.resolve(c.get("adapter_dir").asText()), layout,
                    "default");
            LoraMerger merger = LoraMerger.of(adapter, layout);
            Set<String> expectedChanged = new TreeSet<>();
            c.get("changed_tensors_all").forEach(n -> expectedChanged.add(n.asText()));
            assertEquals(expectedChanged, new TreeSet<>(merger.targetedWeights()), "the tensors that change");
            compareMergedTensors(base, merger, reference.resolve(c.get("merged_changed").asText()), expectedChanged);

            // The folder our streaming writer makes computes PEFT's merged-model logits.
            Path out = tmp.resolve(c.get("id").asText().replace('/', '_'));
            MergedModelWriter.write(base, merger, out, DType.F32, 0, true);
            try (CheckpointReader merged = HfModelFolder.open(out).openWeights(); CheckpointReader b = base.openWeights()) {
                for (String n : b.tensors().keySet()) {
                    if (!expectedChanged.contains(n)) {
                        assertTrue(java.util.Arrays.equals(b.readAsFloat32(n), merged.readAsFloat32(n)),
                                n + " is bit-identical to the base");
                    }
                }
            }
            try (NDManager m = NDManager.newBaseManager()) {
                Seq2SeqLM model = T5Loader.load(HfModelFolder.open(out), m, null);
                compareLogits(model, ForwardContext.inference(m), c);
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> weightedAdapterEqualsAddWeightedAdapter() {
        return cases("weighted_adapter").stream().map(c -> DynamicTest.dynamicTest(c.get("id").asText(), () -> {
            HfModelFolder base = checkpoint(c);
            ModelLayout layout = MergeInputs.layout(base);
            List<LoraWeights> inputs = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (JsonNode in : c.get("input_adapters")) {
                inputs.add(LoraAdapterReader.readWeights(reference.resolve(in.get("dir").asText()), layout,
                        in.get("name").asText()));
                weights.add(in.get("weight").asDouble());
            }
            LoraWeights combined = WeightedAdapters.combine("combined", inputs,
                    weights.stream().mapToDouble(Double::doubleValue).toArray(),
                    WeightedAdapters.Combination.parse(c.get("combination_type").asText()));

            // Config: r', lora_alpha = r', scaling, target modules as a set (PEFT's set order is not ours).
            assertEquals(c.get("result_r").asInt(), combined.config().r());
            assertEquals(c.get("result_lora_alpha").asDouble(), combined.config().loraAlpha());
            assertEquals(c.get("result_use_rslora").asBoolean(), combined.config().useRslora());
            assertEquals(c.get("result_scaling").asDouble(), combined.scaling(), 1e-12);
            Path resultDir = reference.resolve(c.get("result_dir").asText());
            JsonNode peftConfig = Json.read(resultDir.resolve("adapter_config.json"));
            Set<String> peftTargets = new HashSet<>();
            peftConfig.get("target_modules").forEach(t -> peftTargets.add(t.asText()));
            assertEquals(peftTargets, new HashSet<>(((TargetModules.Names) combined.config().targetModules()).names()));

            // The combined tensors, key by key.
            double worst = 0;
            try (SafetensorsReader peft = SafetensorsReader.open(resultDir.resolve("adapter_model.safetensors"))) {
                Map<String, org.pefttrainer.peft.adapter.AdapterFolder.FloatTensor> ours = combined.tensors();
                assertEquals(new TreeSet<>(peft.tensors().keySet()), new TreeSet<>(ours.keySet()));
                for (String key : peft.tensors().keySet()) {
                    assertEquals(List.of(box(peft.info(key).shape())), List.of(box(ours.get(key).shape())), key);
                    worst = Math.max(worst, maxAbsDiff(peft.readAsFloat32(key), ours.get(key).values(), key,
                            COMBINED_TOLERANCE));
                }
            }
            report(c, "combined adapter tensors", worst);

            // Logits of base + combined adapter.
            try (NDManager m = NDManager.newBaseManager()) {
                Seq2SeqLM model = T5Loader.load(base, m, null);
                try (LoraModel lora = LoraModel.of(combined, m)) {
                    compareLogits(model, lora.attach(ForwardContext.inference(m)), c);
                }
            }

            // Merged weights, where the fixture has them.
            if (c.has("merged_changed")) {
                Set<String> all = new TreeSet<>();
                c.get("changed_tensors_all").forEach(n -> all.add(n.asText()));
                LoraMerger merger = LoraMerger.of(combined, layout);
                assertEquals(all, new TreeSet<>(merger.targetedWeights()));
                Set<String> sample = new TreeSet<>();
                c.get("changed_tensors").fieldNames().forEachRemaining(sample::add);
                compareMergedTensors(base, merger, reference.resolve(c.get("merged_changed").asText()), sample);
            }
            // The combined adapter saved in PEFT format reads back to the same values.
            Path saved = tmp.resolve("saved-" + c.get("id").asText().replace('/', '_'));
            combined.save(saved);
            LoraWeights back = LoraAdapterReader.readWeights(saved, layout, "back");
            for (String module : combined.modules().keySet()) {
                assertTrue(java.util.Arrays.equals(combined.modules().get(module).a(), back.modules().get(module).a()));
                assertTrue(java.util.Arrays.equals(combined.modules().get(module).b(), back.modules().get(module).b()));
            }
            assertEquals(combined.scaling(), back.scaling(), 0.0);
        }));
    }

    static void compareMergedTensors(HfModelFolder base, LoraMerger merger, Path peftFile, Set<String> names) {
        double worst = 0;
        try (CheckpointReader b = base.openWeights(); SafetensorsReader peft = SafetensorsReader.open(peftFile)) {
            assertEquals(names, new TreeSet<>(peft.tensors().keySet()));
            for (String n : names) {
                float[] ours = merger.merge(n, b.readAsFloat32(n));
                worst = Math.max(worst, maxAbsDiff(peft.readAsFloat32(n), ours, n, WEIGHT_TOLERANCE));
            }
        }
        System.out.printf(Locale.ROOT, "%s: merged tensors, max |ours - PEFT| = %.3g%n", peftFile.getParent()
                .getFileName(), worst);
    }

    /** Logits of the fixture's inputs (decoder_input_ids as transformers derives them) against PEFT's. */
    static void compareLogits(Seq2SeqLM model, ForwardContext ctx, JsonNode c) throws IOException {
        JsonNode in = Json.read(reference.resolve(c.get("inputs").asText()));
        NDManager m = ctx.manager();
        float[] ours = model.forward(ctx, matrix(m, in.get("input_ids")), matrix(m, in.get("attention_mask")),
                matrix(m, in.get("decoder_input_ids"))).toFloatArray();
        try (SafetensorsReader peft = SafetensorsReader.open(reference.resolve(c.get("outputs").asText()))) {
            report(c, "logits", maxAbsDiff(peft.readAsFloat32("logits"), ours, "logits", LOGIT_TOLERANCE));
        }
    }

    static ai.djl.ndarray.NDArray matrix(NDManager m, JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.matrix(m, rows);
    }

    static double maxAbsDiff(float[] want, float[] got, String what, double tolerance) {
        assertEquals(want.length, got.length, what + ": sizes");
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) want[i] - got[i]);
            if (!(d <= tolerance)) {
                throw new AssertionError(what + "[" + i + "]: PEFT " + want[i] + ", ours " + got[i] + " (|diff| " + d
                        + " > " + tolerance + ")");
            }
            worst = Math.max(worst, d);
        }
        return worst;
    }

    static void report(JsonNode c, String what, double worst) {
        System.out.printf(Locale.ROOT, "%s: %s, max |ours - PEFT| = %.3g%n", c.get("id").asText(), what, worst);
    }

    static Long[] box(long[] a) {
        Long[] out = new Long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
