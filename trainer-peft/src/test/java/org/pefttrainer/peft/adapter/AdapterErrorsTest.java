package org.pefttrainer.peft.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.PeftSamples;

/** Every way an adapter folder can disagree with the base model or with what we implement: one-line errors. */
class AdapterErrorsTest {
    private static final String Q0 = "base_model.model.encoder.block.0.layer.0.SelfAttention.q";
    private static NDManager manager;
    private static T5Model base;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        base = PeftSamples.tinyT5(manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private record Tensor(long[] shape, float[] values) {}

    /** A fresh writable copy of a PEFT sample folder. */
    private Path copy(String sample) {
        try {
            return PeftSamples.copy(sample, Files.createTempDirectory(tmp, "case"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void editConfig(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode c = Json.readObject(dir.resolve(AdapterFolder.CONFIG));
        edit.accept(c);
        Files.writeString(dir.resolve(AdapterFolder.CONFIG), Json.pretty(c));
    }

    private static void editWeights(Path dir, Consumer<Map<String, Tensor>> edit) {
        Path file = dir.resolve(AdapterFolder.WEIGHTS);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            r.tensors().forEach((k, v) -> tensors.put(k, new Tensor(v.shape(), r.readAsFloat32(k))));
        }
        edit.accept(tensors);
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach((k, t) -> w.addFloats(k, DType.F32, t.shape(), t.values()));
        w.write(file);
    }

    private String loadError(Path dir) {
        UserException e = assertThrows(UserException.class, () -> AdapterLoader.load(dir, base, manager).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static String cfg(Path dir) {
        return dir.resolve(AdapterFolder.CONFIG).toString();
    }

    private static String st(Path dir) {
        return dir.resolve(AdapterFolder.WEIGHTS).toString();
    }

    @Test
    void missingFolderConfigOrWeights() throws IOException {
        Path none = tmp.resolve("absent");
        assertEquals(none + ": adapter folder not found (expected a folder with adapter_config.json and "
                + "adapter_model.safetensors)", loadError(none));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(empty + ": no adapter_config.json (expected a PEFT adapter folder)", loadError(empty));
        Path d = copy("lora-qv");
        Files.delete(d.resolve(AdapterFolder.WEIGHTS));
        assertEquals(d + ": no adapter_model.safetensors (or adapter_model.bin) next to adapter_config.json",
                loadError(d));
        Files.writeString(d.resolve(AdapterFolder.PICKLED_WEIGHTS), "pickle");
        assertTrue(loadError(d).startsWith(d.resolve(AdapterFolder.PICKLED_WEIGHTS) + ": not a readable torch.save zip "
                + "archive"), loadError(d));
    }

    @Test
    void peftTypeAndTaskType() throws IOException {
        Path d = copy("lora-qv");
        editConfig(d, c -> c.put("peft_type", "IA3"));
        assertEquals(cfg(d) + ": 'peft_type' 'IA3' is not supported (expected LORA or PROMPT_TUNING)", loadError(d));
        editConfig(d, c -> c.remove("peft_type"));
        assertEquals(cfg(d) + ": 'peft_type' is missing (expected LORA or PROMPT_TUNING)", loadError(d));
        editConfig(d, c -> c.put("peft_type", "LORA").put("task_type", "CAUSAL_LM"));
        assertEquals(cfg(d) + ": 'task_type' is 'CAUSAL_LM', expected 'SEQ_2_SEQ_LM' (the base "
                + "T5ForConditionalGeneration is an encoder-decoder model)", loadError(d));
        Path p = copy("prompt-tuning");
        editConfig(p, c -> c.putNull("task_type"));
        assertEquals(cfg(p) + ": 'task_type' is missing, expected one of SEQ_2_SEQ_LM, CAUSAL_LM", loadError(p));
        editConfig(p, c -> c.put("task_type", "CAUSAL_LM"));
        assertEquals(cfg(p) + ": 'task_type' is 'CAUSAL_LM', expected 'SEQ_2_SEQ_LM' (the base "
                + "T5ForConditionalGeneration is an encoder-decoder model)", loadError(p));
    }

    @Test
    void loraWithoutTaskTypeComputesTheSameAndLoads() throws IOException {
        Path d = copy("lora-qv");
        editConfig(d, c -> c.putNull("task_type"));
        try (Adapter a = AdapterLoader.load(d, base, manager)) {
            assertEquals(12, a.trainableParameters().size() / 2);
        }
    }

    @Test
    void rankDisagreesWithTheTensors() throws IOException {
        Path d = copy("lora-qv");
        editConfig(d, c -> c.put("r", 8));
        assertEquals(st(d) + ": tensor '" + Q0 + ".lora_A.weight' has shape [4, 16], expected [8, 16] ([r, "
                + "in_features], r=8 in adapter_config.json, 16 from the base model's "
                + "'encoder.block.0.layer.0.SelfAttention.q.weight')", loadError(d));
    }

    @Test
    void hiddenSizeDisagreesWithTheBaseModel() {
        Path d = copy("lora-qv");
        editWeights(d, t -> t.put(Q0 + ".lora_A.weight", new Tensor(new long[] {4, 32}, new float[128])));
        assertEquals(st(d) + ": tensor '" + Q0 + ".lora_A.weight' has shape [4, 32], expected [4, 16] ([r, "
                + "in_features], r=4 in adapter_config.json, 16 from the base model's "
                + "'encoder.block.0.layer.0.SelfAttention.q.weight')", loadError(d));
        Path e = copy("lora-all-linear-rslora");
        String wo = "base_model.model.encoder.block.0.layer.1.DenseReluDense.wo";
        editWeights(e, t -> t.put(wo + ".lora_B.weight", new Tensor(new long[] {24, 2}, new float[48])));
        assertEquals(st(e) + ": tensor '" + wo + ".lora_B.weight' has shape [24, 2], expected [16, 2] "
                + "([out_features, r], r=2 in adapter_config.json, 16 from the base model's "
                + "'encoder.block.0.layer.1.DenseReluDense.wo.weight')", loadError(e));
    }

    @Test
    void targetedModuleMissingFromTheFile() {
        Path d = copy("lora-qv");
        editWeights(d, t -> t.remove(Q0 + ".lora_B.weight"));
        assertEquals(st(d) + ": no tensor '" + Q0 + ".lora_B.weight', but target_modules [q, v] in "
                + "adapter_config.json selects module 'encoder.block.0.layer.0.SelfAttention.q' of the base model",
                loadError(d));
    }

    @Test
    void tensorsForOtherModulesOrOfOtherKinds() {
        Path d = copy("lora-qv");
        String ghost = "base_model.model.encoder.block.7.layer.0.SelfAttention.q.lora_A.weight";
        editWeights(d, t -> t.put(ghost, new Tensor(new long[] {4, 16}, new float[64])));
        assertEquals(st(d) + ": tensor '" + ghost + "' is for module 'encoder.block.7.layer.0.SelfAttention.q', but "
                + "T5ForConditionalGeneration has no linear layer of that name", loadError(d));
        Path e = copy("lora-qv");
        String k = "base_model.model.encoder.block.0.layer.0.SelfAttention.k.lora_A.weight";
        editWeights(e, t -> t.put(k, new Tensor(new long[] {4, 16}, new float[64])));
        assertEquals(st(e) + ": tensor '" + k + "' is for module 'encoder.block.0.layer.0.SelfAttention.k', which "
                + "target_modules [q, v] in adapter_config.json does not select", loadError(e));
        Path f = copy("lora-qv");
        editWeights(f, t -> t.put(Q0 + ".bias", new Tensor(new long[] {16}, new float[16])));
        assertEquals(st(f) + ": unexpected tensor '" + Q0 + ".bias' (a LoRA adapter holds base_model.model.<module>"
                + ".lora_A.weight / .lora_B.weight (.lora_embedding_A/B, .lora_magnitude_vector) and whole parameters "
                + "of the base model, but T5ForConditionalGeneration has no parameter "
                + "'encoder.block.0.layer.0.SelfAttention.q.bias')", loadError(f));
    }

    @Test
    void targetModulesMatchingNothingOnThisModel() throws IOException {
        Path d = copy("lora-qv");
        editConfig(d, c -> c.putArray("target_modules").add("q_proj").add("v_proj"));
        assertTrue(loadError(d).startsWith(cfg(d) + ": target_modules [q_proj, v_proj] match no module of "
                + "T5ForConditionalGeneration"));
    }

    @Test
    void featuresThatAreNotImplemented() throws IOException {
        Map<String, Consumer<ObjectNode>> edits = new LinkedHashMap<>();
        edits.put("'bias' is 'some', expected one of [none, all, lora_only]", c -> c.put("bias", "some"));
        edits.put("'rank_pattern' maps 'q' to 0, expected a positive integer r",
                c -> c.putObject("rank_pattern").put("q", 0));
        edits.put("'layer_replication' is [[0,1]], but layer replication is not supported",
                c -> c.putArray("layer_replication").addArray().add(0).add(1));
        edits.put("init_lora_weights 'pissa' is not supported (expected true, false or gaussian; PiSSA, OLoRA and "
                + "LoftQ modify the base weights and are not implemented)", c -> c.put("init_lora_weights", "pissa"));
        edits.put("'r' must be a positive integer, got 0", c -> c.put("r", 0));
        edits.put("'r' must be an integer, got \"4\"", c -> c.put("r", "4"));
        for (Map.Entry<String, Consumer<ObjectNode>> e : edits.entrySet()) {
            Path d = copy("lora-qv");
            editConfig(d, e.getValue());
            assertEquals(cfg(d) + ": " + e.getKey(), loadError(d));
        }
    }

    @Test
    void promptTableDisagreements() throws IOException {
        Path d = copy("prompt-tuning");
        editConfig(d, c -> c.put("token_dim", 32));
        assertEquals(cfg(d) + ": 'token_dim' is 32, but the base model's hidden size is 16", loadError(d));
        editConfig(d, c -> c.put("token_dim", 16).put("num_virtual_tokens", 4));
        assertEquals(st(d) + ": tensor 'prompt_embeddings' has shape [6, 16], expected [8, 16] (num_virtual_tokens 4 "
                + "× num_transformer_submodules 2, token_dim 16 from adapter_config.json)", loadError(d));
        editConfig(d, c -> c.put("num_virtual_tokens", 3).put("num_transformer_submodules", 3));
        assertEquals(cfg(d) + ": 'num_transformer_submodules' must be 1 or 2, got 3", loadError(d));
        editConfig(d, c -> c.put("num_transformer_submodules", 2));
        editWeights(d, t -> t.put("prompt_embeddings.default", t.remove("prompt_embeddings")));
        assertEquals(st(d) + ": unexpected tensor 'prompt_embeddings.default' (a prompt-tuning adapter holds only "
                + "'prompt_embeddings')", loadError(d));
        editWeights(d, Map::clear);
        assertEquals(st(d) + ": no tensor 'prompt_embeddings' (expected the prompt table of a prompt-tuning adapter)",
                loadError(d));
    }

    @Test
    void defaultAdapterNameInKeysIsAccepted() {
        Path d = copy("lora-qv");
        editWeights(d, t -> {
            Map<String, Tensor> renamed = new LinkedHashMap<>();
            t.forEach((k, v) -> renamed.put(k.replace(".lora_A.", ".lora_A.default.").replace(".lora_B.",
                    ".lora_B.default."), v));
            t.clear();
            t.putAll(renamed);
        });
        try (Adapter a = AdapterLoader.load(d, base, manager); Adapter peft = AdapterLoader.load(PeftSamples.adapter("lora-qv"),
                base, manager); NDManager step = manager.newSubManager()) {
            assertTrue(a.trainableParameters().containsKey(Q0 + ".lora_A.weight"));
            float[] ours = PeftSamples.logits(base, a.attach(ForwardContext.inference(step)));
            float[] reference = PeftSamples.logits(base, peft.attach(ForwardContext.inference(step)));
            assertEquals(0.0, PeftSamples.maxAbsDiff(ours, reference));
        }
    }
}
