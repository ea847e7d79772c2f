package org.pefttrainer.parity;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.t5.T5Loader;
import org.pefttrainer.core.model.t5.T5Model;

/**
 * The reference fixtures written by {@code tools/reference/make_fixtures.py} (transformers 4.33.2, PEFT 0.13.2):
 * {@code manifest.json}'s cases by kind, and the tensors, inputs and checkpoints they point to. Paths in the manifest
 * are relative to the {@code reference/} folder on the test classpath. Tests iterate {@link #cases(String)}, so a case
 * added to the manifest is tested without touching Java code; see {@code tools/reference/README.md} for the schema.
 */
public final class Fixtures {
    public static final String CHECKPOINT = "checkpoint";
    public static final String FORWARD = "forward";
    public static final String FULL_GRAD = "full_grad";
    public static final String LORA = "lora";
    public static final String LORA_MERGE = "lora_merge";
    public static final String WEIGHTED_ADAPTER = "weighted_adapter";
    public static final String PROMPT_TUNING = "prompt_tuning";
    public static final String GENERATE = "generate";
    public static final String ROUGE = "rouge";

    private static final Path ROOT = locateRoot();
    private static final JsonNode MANIFEST = Json.read(ROOT.resolve("manifest.json"));

    private Fixtures() {}

    private static Path locateRoot() {
        URL url = Fixtures.class.getResource("/reference/manifest.json");
        if (url == null) {
            throw new IllegalStateException("reference/manifest.json is not on the test classpath");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code reference/} folder. */
    public static Path root() {
        return ROOT;
    }

    public static JsonNode manifest() {
        return MANIFEST;
    }

    /** Every case of the manifest, in file order. */
    public static List<JsonNode> allCases() {
        List<JsonNode> out = new ArrayList<>();
        MANIFEST.get("cases").forEach(out::add);
        return out;
    }

    /** The cases of one kind, in manifest order. */
    public static List<JsonNode> cases(String kind) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : MANIFEST.get("cases")) {
            if (c.get("kind").asText().equals(kind)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The kinds present in the manifest. */
    public static Set<String> kinds() {
        Set<String> kinds = new LinkedHashSet<>();
        MANIFEST.get("cases").forEach(c -> kinds.add(c.get("kind").asText()));
        return kinds;
    }

    /** One dynamic test per case of {@code kind}, named by the case id. */
    public static Stream<DynamicTest> tests(String kind, Consumer<JsonNode> body) {
        return cases(kind).stream().map(c -> DynamicTest.dynamicTest(id(c), () -> body.accept(c)));
    }

    public static String id(JsonNode kase) {
        return kase.get("id").asText();
    }

    /** A manifest path (relative to {@code reference/}); it must exist. */
    public static Path path(String relative) {
        Path p = ROOT.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("fixture " + relative + " not found under " + ROOT);
        }
        return p;
    }

    /** The path stored under {@code key} of a case. */
    public static Path path(JsonNode kase, String key) {
        JsonNode v = kase.get(key);
        if (v == null || !v.isTextual()) {
            throw new IllegalStateException(id(kase) + ": no path '" + key + "'");
        }
        return path(v.asText());
    }

    public static JsonNode json(String relative) {
        return Json.read(path(relative));
    }

    /** Every tensor of a fixture safetensors file, as float32 (in the file's order). */
    public static Map<String, RefTensor> tensors(Path file) {
        Map<String, RefTensor> out = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (TensorInfo info : r.tensors().values()) {
                out.put(info.name(), new RefTensor(info.name(), info.shape(), r.readAsFloat32(info.name())));
            }
        }
        return out;
    }

    /** The case's {@code key} file (outputs, grads, ...) as tensors. */
    public static Map<String, RefTensor> tensors(JsonNode kase, String key) {
        return tensors(path(kase, key));
    }

    /** The model inputs a case uses ({@code inputs/batch.json} or {@code inputs/long.json}). */
    public static Inputs inputs(JsonNode kase) {
        return Inputs.read(path(kase, "inputs"));
    }

    /** The checkpoint case named {@code name}. */
    public static JsonNode checkpointCase(String name) {
        for (JsonNode c : cases(CHECKPOINT)) {
            if (c.get("checkpoint").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalStateException("manifest has no checkpoint case '" + name + "'");
    }

    public static Path checkpointDir(String name) {
        return path(checkpointCase(name), "dir");
    }

    /**
     * Loads a case's checkpoint with our loader. {@code dropout_rate} 0.0 in the case means transformers loaded the
     * config with dropout overridden to 0 (train-mode cases); null keeps the checkpoint's rate (eval cases).
     */
    public static T5Model loadModel(JsonNode kase, NDManager manager) {
        JsonNode dropout = kase.get("dropout_rate");
        Double override = dropout == null || dropout.isNull() ? null : dropout.asDouble();
        return load(kase.get("checkpoint").asText(), manager, override);
    }

    public static T5Model load(String checkpoint, NDManager manager, Double dropoutOverride) {
        return T5Loader.load(HfModelFolder.open(checkpointDir(checkpoint)), manager, dropoutOverride);
    }

    /** The manifest's special token ids (pad, eos, unk, decoder_start). */
    public static int specialTokenId(String name) {
        return MANIFEST.get("special_token_ids").get(name).asInt();
    }

    /** A JSON array of strings as a list. */
    public static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The keys of a JSON object, in order. */
    public static List<String> fieldNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** A JSON array of integers. */
    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** A JSON array of integers as longs. */
    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** A JSON array of integer arrays (rows may differ in length). */
    public static long[][] longMatrix(JsonNode rows) {
        return org.pefttrainer.core.testing.JsonArrays.longMatrix(rows);
    }
}
