package org.pefttrainer.peft.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.AtomicFiles;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.CheckpointReader;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.TinyModels;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.merge.WeightedAdapters.Combination;

/** A merged model folder on disk: its files, its outputs against base + adapter, 16-bit output, refusals. */
class MergedModelTest {
    static Path tmp;
    static HfModelFolder base;
    static Path lora;
    static Path lora2;
    static Path prompt;

    @BeforeAll
    static void setUp() throws IOException {
        tmp = Files.createTempDirectory("merged-model");
        // Gated, untied, sharded at 100 kB: 4+ shards and an index, as the real large checkpoints are.
        base = HfModelFolder.open(TinyModels.write(tmp.resolve("base"), TinyModels.config(200, 32, 2, true, false), 9,
                DType.F32, 100_000));
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model model = T5Loader.load(base, m, null);
            lora = TinyModels.lora(tmp.resolve("lora"), model, 4, 8, false, 31, "all-linear");
            lora2 = TinyModels.lora(tmp.resolve("lora2"), model, 4, 16, true, 32, "q", "k", "wo");
            prompt = TinyModels.prompt(tmp.resolve("prompt"), model, 4, 33);
        }
    }

    @AfterAll
    static void tearDown() {
        AtomicFiles.deleteRecursively(tmp);
    }

    static LoraWeights read(Path dir) {
        return MergeInputs.read(base, List.of(dir), null, Combination.LINEAR);
    }

    static MergedModelWriter.Result merge(LoraWeights w, Path out, DType dtype, long shard, boolean force) {
        return MergedModelWriter.write(base, LoraMerger.of(w, MergeInputs.layout(base)), out, dtype, shard, force);
    }

    /**
     * Max |logit difference| of base + adapter against the merged folder, on the verifier's sample batch, relative
     * to the largest |logit| of base + adapter.
     */
    static double logitDifference(LoraWeights adapter, Path merged) {
        try (NDManager m = NDManager.newBaseManager()) {
            T5Model b = T5Loader.load(base, m, null);
            float[] want;
            try (LoraModel l = LoraModel.of(adapter, m)) {
                want = MergeVerifier.logits(b, l.attach(ForwardContext.inference(m)));
            }
            float[] got = MergeVerifier.logits(T5Loader.load(HfModelFolder.open(merged), m, null),
                    ForwardContext.inference(m));
            float[] plain = MergeVerifier.logits(b, ForwardContext.inference(m));
            double d = 0;
            double fromBase = 0;
            double scale = 0;
            for (int i = 0; i < want.length; i++) {
                d = Math.max(d, Math.abs(want[i] - got[i]));
                fromBase = Math.max(fromBase, Math.abs(want[i] - plain[i]));
                scale = Math.max(scale, Math.abs(want[i]));
            }
            System.out.printf("%s: max |logit| %.3g, merged differs by %.3g, the adapter moves logits by %.3g%n",
                    merged.getFileName(), scale, d, fromBase);
            assertTrue(fromBase > 1e-2 * scale, "the adapter changes the logits (" + fromBase + "), so the check can fail");
            return d / scale;
        }
    }

    @Test
    void mergedFolderIsCompleteAndComputesWhatBasePlusAdapterComputes() throws IOException {
        LoraWeights w = read(lora);
        Path out = tmp.resolve("merged-f32");
        MergedModelWriter.Result r = merge(w, out, DType.F32, 100_000, false);
        assertTrue(r.weightFiles().size() > 2, "sharded: " + r.weightFiles());
        assertTrue(Files.isRegularFile(out.resolve(HfModelFolder.INDEX)));
        assertEquals(Set.of("generation_config.json", "special_tokens_map.json", "tokenizer.json",
                "tokenizer_config.json"), new TreeSet<>(r.copiedFiles()));
        for (String f : r.copiedFiles()) {
            assertArrayEquals(Files.readAllBytes(base.dir().resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        assertEquals("float32", Json.readObject(out.resolve("config.json")).get("torch_dtype").asText());
        try (Stream<Path> files = Files.list(tmp)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().startsWith(".merged")), "no temp folder left");
        }
        // Same tensors as the base; exactly the targeted ones differ.
        try (CheckpointReader b = base.openWeights(); CheckpointReader m = HfModelFolder.open(out).openWeights()) {
            assertEquals(b.tensors().keySet(), m.tensors().keySet());
            Set<String> changed = b.tensors().keySet().stream()
                    .filter(n -> !java.util.Arrays.equals(b.readAsFloat32(n), m.readAsFloat32(n)))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(new TreeSet<>(r.mergedTensors()), changed);
            assertEquals(w.modules().size(), changed.size());
        }
        // fp32: only the order of operations differs (x·(W+ΔW)ᵀ against x·Wᵀ + s·(x·Aᵀ)·Bᵀ): within 1e-5 of the logit
        // scale (fp32 epsilon 1.2e-7; about 1.3e-6 observed).
        double d = logitDifference(w, out);
        assertTrue(d < 1e-5, "max |logit difference| / max |logit| " + d);
        MergeVerifier.Verification v = MergeVerifier.verify(base, w, HfModelFolder.open(out), 1e-3, false);
        assertTrue(v.passed());
        assertEquals(d, v.maxAbsDiff() / v.maxAbsLogit(), 1e-12);
    }

    @Test
    void weightedCombinationMergesLikeItsAdapter() {
        LoraWeights c = MergeInputs.read(base, List.of(lora, lora2), new double[] {0.7, 0.3}, Combination.CAT);
        Path out = tmp.resolve("merged-cat");
        merge(c, out, DType.F32, 0, false);
        assertTrue(Files.isRegularFile(out.resolve(HfModelFolder.SINGLE_WEIGHTS)), "max shard size 0: one file");
        assertTrue(logitDifference(c, out) < 1e-5);
    }

    /** bf16 output: each stored value is the fp32 merge rounded to nearest-even, derived here with Math.rint. */
    @Test
    void bf16OutputIsTheFp32MergeRoundedToNearestEven() {
        LoraWeights w = read(lora);
        LoraMerger merger = LoraMerger.of(w, MergeInputs.layout(base));
        Path out = tmp.resolve("merged-bf16");
        merge(w, out, DType.BF16, 100_000, false);
        assertEquals("bfloat16", Json.readObject(out.resolve("config.json")).get("torch_dtype").asText());
        int ties = 0;
        try (CheckpointReader b = base.openWeights(); CheckpointReader m = HfModelFolder.open(out).openWeights()) {
            for (TensorInfo t : m.tensors().values()) {
                assertEquals(DType.BF16, t.dtype(), t.name());
                float[] fp32 = merger.merge(t.name(), b.readAsFloat32(t.name()));
                ByteBuffer raw = m.fileOf(t.name()).rawBytes(t.name());
                for (int i = 0; i < fp32.length; i++) {
                    float got = Float.intBitsToFloat((raw.getShort(i * 2) & 0xFFFF) << 16);
                    assertEquals(roundToBf16(fp32[i]), got, 0.0f, t.name() + "[" + i + "] from " + fp32[i]);
                    ties += (Float.floatToIntBits(fp32[i]) & 0xFFFF) == 0x8000 ? 1 : 0;
                }
            }
        }
        // The folder loads back (widened to fp32); bf16 rounds every weight: within --verify's bf16 tolerance.
        assertTrue(logitDifference(w, out) < MergeVerifier.defaultTolerance(DType.BF16));
        System.out.println("bf16 check: " + ties + " exact ties among the stored values");
    }

    /** Round-to-nearest-even to 8 significant bits: scale to an integer mantissa and use Math.rint (half-even). */
    static float roundToBf16(float f) {
        if (f == 0 || !Float.isFinite(f)) {
            return f;
        }
        int e = Math.max(Math.getExponent(f), Float.MIN_EXPONENT);
        double ulp = Math.scalb(1.0, e - 7);
        return (float) (Math.rint(f / ulp) * ulp);
    }

    @Test
    void existingOutputNeedsForce() throws IOException {
        Path out = tmp.resolve("existing");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "x");
        LoraWeights w = read(lora);
        UserException e = assertThrows(UserException.class, () -> merge(w, out, DType.F32, 0, false));
        assertEquals(out + ": already exists (use --force to replace it)", e.getMessage());
        assertTrue(Files.exists(out.resolve("keep.txt")), "left alone");
        // --force replaces only a folder this tool wrote (it has the marker), never someone else's.
        UserException notOurs = assertThrows(UserException.class, () -> merge(w, out, DType.F32, 0, true));
        assertTrue(notOurs.getMessage().contains("--force replaces only a folder peft wrote"), notOurs.getMessage());
        assertTrue(Files.exists(out.resolve("keep.txt")), "left alone");
        Path ours = tmp.resolve("ours");
        merge(w, ours, DType.F32, 0, false);
        Files.writeString(ours.resolve("stale.txt"), "x");
        merge(w, ours, DType.F32, 0, true);
        assertFalse(Files.exists(ours.resolve("stale.txt")));
        assertTrue(Files.isRegularFile(ours.resolve(HfModelFolder.SINGLE_WEIGHTS)));
        UserException self = assertThrows(UserException.class, () -> merge(w, base.dir(), DType.F32, 0, true));
        assertTrue(self.getMessage().contains("is the input --base"), self.getMessage());
    }

    @Test
    void promptTuningAdaptersCannotBeMerged() {
        UserException e = assertThrows(UserException.class, () -> read(prompt));
        assertEquals(prompt + ": a prompt-tuning adapter cannot be merged: it adds virtual tokens to the input embeddings, "
                + "not weight deltas (load it at inference with generate/serve --adapter instead)", e.getMessage());
        assertThrows(UserException.class, () -> MergeInputs.read(base, List.of(lora, prompt), new double[] {1, 1},
                Combination.CAT));
    }

    @Test
    void failingCheckBeforeRenameWritesNothing() {
        Path out = tmp.resolve("never");
        LoraWeights w = read(lora);
        assertThrows(UserException.class, () -> MergedModelWriter.write(base, LoraMerger.of(w,
                MergeInputs.layout(base)), out, DType.F32, 0, false, dir -> {
                    throw new UserException("verification failed");
                }));
        assertFalse(Files.exists(out));
    }
}
