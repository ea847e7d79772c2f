package org.pefttrainer.peft.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.model.t5.T5Model;
import org.pefttrainer.peft.PeftSamples;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraInit;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.lora.TargetModules;
import org.pefttrainer.peft.prompt.PromptTuningConfig;
import org.pefttrainer.peft.prompt.SoftPrompt;

/** What we write against what PEFT 0.13.2 wrote for the same adapters (test resources peft-samples/). */
class AdapterWriteTest {
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

    private static String configText(Path dir) throws IOException {
        return Files.readString(dir.resolve(AdapterFolder.CONFIG));
    }

    /** Tensor name → [dtype, shape] of a folder's safetensors file. */
    private static Map<String, String> layout(Path dir) {
        try (SafetensorsReader r = SafetensorsReader.open(dir.resolve(AdapterFolder.WEIGHTS))) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            Map<String, String> m = new TreeMap<>();
            r.tensors().forEach((k, v) -> m.put(k, v.dtype() + java.util.Arrays.toString(v.shape())));
            return m;
        }
    }

    /** The config as a tree, target_modules compared as a set (PEFT writes a Python set in its own order). */
    private static JsonNode normalised(Path dir) {
        ObjectNode o = Json.readObject(dir.resolve(AdapterFolder.CONFIG));
        JsonNode t = o.get("target_modules");
        if (t != null && t.isArray()) {
            List<String> names = new ArrayList<>();
            t.forEach(n -> names.add(n.asText()));
            o.putArray("target_modules").addAll(new TreeSet<>(names).stream()
                    .map(com.fasterxml.jackson.databind.node.TextNode::valueOf).toList());
        }
        return o;
    }

    @Test
    void savingAPeftAdapterReproducesPeftsFilesByteForByte() throws IOException {
        for (String sample : List.of("lora-qv", "lora-all-linear-rslora", "prompt-tuning")) {
            Path peft = PeftSamples.adapter(sample);
            Path ours = tmp.resolve(sample);
            try (Adapter a = AdapterLoader.load(peft, base, manager)) {
                a.save(ours);
            }
            assertEquals(configText(peft), configText(ours), sample);
            assertEquals(layout(peft), layout(ours), sample);
            try (SafetensorsReader p = SafetensorsReader.open(peft.resolve(AdapterFolder.WEIGHTS));
                    SafetensorsReader o = SafetensorsReader.open(ours.resolve(AdapterFolder.WEIGHTS))) {
                for (String key : p.tensors().keySet()) {
                    assertArrayEquals(p.readAsFloat32(key), o.readAsFloat32(key), sample + " " + key);
                }
            }
        }
    }

    @Test
    void newLoraAdaptersWritePeftsConfigAndLayout() {
        LoraConfig qv = LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1).baseModelNameOrPath("tiny-t5").build();
        LoraConfig allLinear = LoraConfig.builder().r(2).loraAlpha(4).targetModules(TargetModules.allLinear())
                .useRslora(true).initLoraWeights(LoraInit.GAUSSIAN).baseModelNameOrPath("tiny-t5").build();
        Map<String, LoraConfig> cases = Map.of("lora-qv", qv, "lora-all-linear-rslora", allLinear);
        for (Map.Entry<String, LoraConfig> c : cases.entrySet()) {
            Path ours = tmp.resolve(c.getKey());
            try (LoraModel lora = LoraModel.create(base, c.getValue(), 1, manager)) {
                lora.save(ours);
            }
            Path peft = PeftSamples.adapter(c.getKey());
            assertEquals(new TreeSet<>(iterable(Json.readObject(peft.resolve(AdapterFolder.CONFIG)))),
                    new TreeSet<>(iterable(Json.readObject(ours.resolve(AdapterFolder.CONFIG)))), c.getKey());
            assertEquals(normalised(peft), normalised(ours), c.getKey());
            assertEquals(layout(peft), layout(ours), c.getKey());
        }
    }

    @Test
    void newPromptTuningAdapterWritesPeftsConfigBytesAndLayout() throws IOException {
        Path ours = tmp.resolve("prompt");
        try (SoftPrompt p = SoftPrompt.create(base,
                PromptTuningConfig.builder(3).baseModelNameOrPath("tiny-t5").build(), 1, null, manager)) {
            p.save(ours);
        }
        Path peft = PeftSamples.adapter("prompt-tuning");
        assertEquals(configText(peft), configText(ours));
        assertEquals(Map.of(SoftPrompt.KEY, DType.F32 + "[6, 16]"), layout(ours));
        assertEquals(layout(peft), layout(ours));
    }

    private static List<String> iterable(ObjectNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void savingReplacesAnAdapterFolderAtomicallyAndRefusesOtherFolders() throws IOException {
        Path dir = tmp.resolve("runs/adapter");
        try (LoraModel a = LoraModel.create(base, LoraConfig.builder().r(2).build(), 1, manager);
                LoraModel b = LoraModel.create(base, LoraConfig.builder().r(3).build(), 1, manager)) {
            a.save(dir);
            b.save(dir); // replaces the earlier adapter folder
        }
        assertEquals(3, Json.read(dir.resolve(AdapterFolder.CONFIG)).get("r").asInt());
        try (Stream<Path> siblings = Files.list(dir.getParent()); Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("adapter"), siblings.map(p -> p.getFileName().toString()).toList()); // no temp left
            assertEquals(new TreeSet<>(List.of(AdapterFolder.CONFIG, AdapterFolder.WEIGHTS)),
                    new TreeSet<>(files.map(p -> p.getFileName().toString()).toList()));
        }
        Path foreign = tmp.resolve("notes");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("todo.txt"), "keep me");
        try (LoraModel a = LoraModel.create(base, LoraConfig.builder().build(), 1, manager)) {
            UserException e = assertThrows(UserException.class, () -> a.save(foreign));
            assertEquals(foreign + ": exists, is not empty and has no adapter_config.json; refusing to replace it with"
                    + " an adapter folder", e.getMessage());
        }
        assertTrue(Files.exists(foreign.resolve("todo.txt")));
    }

    @Test
    void fanInFanOutIsSetToFalseForLinearLayersAsPeftDoes() {
        try (LoraModel a = LoraModel.create(base, LoraConfig.builder().fanInFanOut(true).build(), 1, manager)) {
            assertEquals(false, a.config().toJson().get("fan_in_fan_out").booleanValue());
        }
    }
}
