package org.pefttrainer.core.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.hf.HfModelFolder;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;
import org.pefttrainer.core.io.safetensors.TensorInfo;
import org.pefttrainer.core.model.Weights;
import org.pefttrainer.core.testing.TinyT5;

/** Loading Hugging Face T5 folders: shards, tied copies, legacy tensors, 16-bit storage, and the errors. */
class T5LoaderTest {
    private static final T5Config GATED = TinyT5.config(40, 16, 4, 2, 24, 2, 2, true, false, 0.1);
    private static final T5Config TIED = TinyT5.config(40, 16, 4, 2, 24, 1, 1, false, true, 0.1);

    @TempDir
    static Path shared;
    static NDManager manager;
    static Path single;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() {
        manager = NDManager.newBaseManager();
        single = TinyT5.write(shared.resolve("single"), GATED, 11, DType.F32, 0);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static T5Model load(Path folder) {
        return T5Loader.load(HfModelFolder.open(folder), manager.newSubManager(), null);
    }

    private static UserException loadFails(Path folder) {
        UserException e = assertThrows(UserException.class, () -> load(folder).weights().close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    /** The raw tensors of a single-file folder, editable, written back as they were (dtype and bytes). */
    private record Raw(DType dtype, long[] shape, byte[] bytes) {}

    private static Map<String, Raw> readRaw(Path file) {
        Map<String, Raw> out = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            for (TensorInfo t : r.tensors().values()) {
                ByteBuffer b = r.rawBytes(t.name());
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.put(t.name(), new Raw(t.dtype(), t.shape(), bytes));
            }
        }
        return out;
    }

    private static void writeRaw(Path file, Map<String, Raw> tensors) {
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach((name, t) -> w.add(name, t.dtype, t.shape, dst -> dst.put(t.bytes)));
        w.write(file);
    }

    /** A copy of the single-file folder with model.safetensors edited. */
    private Path edited(String name, Consumer<Map<String, Raw>> edit) throws IOException {
        return editedCopy(single, name, edit);
    }

    private Path editedCopy(Path from, String name, Consumer<Map<String, Raw>> edit) throws IOException {
        Path out = dir.resolve(name);
        Files.createDirectories(out);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, out.resolve(f.getFileName()));
            }
        }
        Map<String, Raw> tensors = readRaw(out.resolve(HfModelFolder.SINGLE_WEIGHTS));
        edit.accept(tensors);
        writeRaw(out.resolve(HfModelFolder.SINGLE_WEIGHTS), tensors);
        return out;
    }

    private static Map<String, float[]> values(Weights w) {
        Map<String, float[]> out = new LinkedHashMap<>();
        w.arrays().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    @Test
    void shardedEqualsUnsharded() {
        long total = T5Architecture.parameterShapes(GATED).values().stream()
                .mapToLong(s -> 4 * s[0] * (s.length > 1 ? s[1] : 1)).sum();
        Path sharded = TinyT5.write(dir.resolve("sharded"), GATED, 11, DType.F32, total / 4);
        JsonNode index = Json.read(sharded.resolve(HfModelFolder.INDEX));
        Set<String> shardFiles = new HashSet<>();
        index.get("weight_map").forEach(n -> shardFiles.add(n.asText()));
        assertTrue(shardFiles.size() >= 3, "expected at least 3 shards, got " + shardFiles);
        assertFalse(Files.exists(sharded.resolve(HfModelFolder.SINGLE_WEIGHTS)));
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        assertEquals(T5Architecture.parameterShapes(GATED).keySet(), fieldNames(index.get("weight_map")));

        T5Model a = load(single);
        T5Model b = load(sharded);
        try {
            assertSameWeights(values(a.weights()), values(b.weights()));
            assertEquals(T5Architecture.parameterShapes(GATED).keySet(), a.weights().arrays().keySet());
        } finally {
            a.weights().close();
            b.weights().close();
        }
    }

    @Test
    void aFolderWithBothLoadsModelSafetensorsAsTransformersDoes() throws IOException {
        // transformers' from_pretrained takes model.safetensors before model.safetensors.index.json.
        long total = T5Architecture.parameterShapes(GATED).values().stream()
                .mapToLong(s -> 4 * s[0] * (s.length > 1 ? s[1] : 1)).sum();
        Path both = TinyT5.write(dir.resolve("both"), GATED, 12, DType.F32, total / 4);
        Path other = TinyT5.write(dir.resolve("other"), GATED, 13, DType.F32, Long.MAX_VALUE);
        Files.copy(other.resolve(HfModelFolder.SINGLE_WEIGHTS), both.resolve(HfModelFolder.SINGLE_WEIGHTS));
        assertTrue(Files.exists(both.resolve(HfModelFolder.INDEX)));
        T5Model a = load(both);
        T5Model b = load(other);
        try {
            assertSameWeights(values(b.weights()), values(a.weights()));
        } finally {
            a.weights().close();
            b.weights().close();
        }
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> s = new HashSet<>();
        n.fieldNames().forEachRemaining(s::add);
        return s;
    }

    @Test
    void shardListedButAbsent() throws IOException {
        Path sharded = TinyT5.write(dir.resolve("sharded"), GATED, 11, DType.F32, 2000);
        String lost = Json.read(sharded.resolve(HfModelFolder.INDEX)).get("weight_map").get("shared.weight").asText();
        Files.delete(sharded.resolve(lost));
        UserException e = loadFails(sharded);
        assertTrue(e.getMessage().contains(lost), e.getMessage());
    }

    @Test
    void missingTensorsAreListed() throws IOException {
        Path p = edited("missing", t -> {
            t.remove("encoder.block.1.layer.0.SelfAttention.k.weight");
            t.remove("decoder.final_layer_norm.weight");
        });
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("missing 2"), msg);
        assertTrue(msg.contains("encoder.block.1.layer.0.SelfAttention.k.weight"), msg);
        assertTrue(msg.contains("decoder.final_layer_norm.weight"), msg);
        assertTrue(msg.contains(p.toString()), msg);
    }

    @Test
    void unexpectedTensorsAreListed() throws IOException {
        Path p = edited("unexpected", t -> {
            t.put("encoder.block.2.layer.0.SelfAttention.q.weight", t.get("encoder.block.1.layer.0.SelfAttention.q.weight"));
            t.put("lora_A.weight", new Raw(DType.F32, new long[] {1}, new byte[4]));
        });
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("unexpected 2"), msg);
        assertTrue(msg.contains("encoder.block.2.layer.0.SelfAttention.q.weight"), msg);
        assertTrue(msg.contains("lora_A.weight"), msg);
    }

    @Test
    void missingAndUnexpectedTogether() throws IOException {
        // a relu-style wi where the gated config expects wi_0: one missing and one unexpected name in one message
        Path p = edited("both", t -> t.put("encoder.block.0.layer.1.DenseReluDense.wi.weight",
                t.remove("encoder.block.0.layer.1.DenseReluDense.wi_0.weight")));
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("encoder.block.0.layer.1.DenseReluDense.wi_0.weight"), msg);
        assertTrue(msg.contains("encoder.block.0.layer.1.DenseReluDense.wi.weight"), msg);
    }

    @Test
    void wrongShapeNamesTensorAndShapes() throws IOException {
        String name = "decoder.block.1.layer.2.DenseReluDense.wo.weight"; // [16, 24]
        Path p = edited("shape", t -> t.put(name, new Raw(DType.F32, new long[] {24, 16}, t.get(name).bytes)));
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains(name), msg);
        assertTrue(msg.contains("[24, 16]") && msg.contains("[16, 24]"), msg);
        String bias = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"; // [32, 2]
        Path q = edited("shape2", t -> t.put(bias, new Raw(DType.F32, new long[] {16, 4}, t.get(bias).bytes)));
        assertTrue(loadFails(q).getMessage().contains(bias));
    }

    @Test
    void integerTensorIsRejected() throws IOException {
        String name = "encoder.final_layer_norm.weight";
        Path p = edited("int", t -> t.put(name, new Raw(DType.I32, t.get(name).shape, t.get(name).bytes)));
        assertTrue(loadFails(p).getMessage().contains(name));
    }

    @Test
    void pytorchBinOnlyFolder() throws IOException {
        Path p = dir.resolve("bin");
        Files.createDirectories(p);
        Files.copy(single.resolve(HfModelFolder.CONFIG), p.resolve(HfModelFolder.CONFIG));
        Files.write(p.resolve("pytorch_model.bin"), new byte[] {0x50, 0x4B, 3, 4});
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("pytorch_model.bin"), msg);
        assertTrue(msg.contains("safetensors"), msg);
    }

    @Test
    void folderWithoutWeightsOrConfig() throws IOException {
        Path p = dir.resolve("noweights");
        Files.createDirectories(p);
        Files.copy(single.resolve(HfModelFolder.CONFIG), p.resolve(HfModelFolder.CONFIG));
        assertTrue(loadFails(p).getMessage().contains(HfModelFolder.SINGLE_WEIGHTS));
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        assertThrows(UserException.class, () -> HfModelFolder.open(empty));
    }

    @Test
    void tiedLmHeadPresentOrAbsent() throws IOException {
        Path absent = TinyT5.write(dir.resolve("tied"), TIED, 5, DType.F32, 0);
        Map<String, Raw> raw = readRaw(absent.resolve(HfModelFolder.SINGLE_WEIGHTS));
        assertFalse(raw.containsKey("lm_head.weight"));
        Path present = editedCopy(absent, "tied-with-copies", t -> {
            t.put("lm_head.weight", t.get("shared.weight"));
            t.put("encoder.embed_tokens.weight", t.get("shared.weight"));
            t.put("decoder.embed_tokens.weight", t.get("shared.weight"));
        });
        // only the embedding copies, no shared.weight (as some exports store it)
        Path onlyCopies = editedCopy(absent, "tied-only-copies", t -> {
            Raw shared = t.remove("shared.weight");
            t.put("encoder.embed_tokens.weight", shared);
            t.put("decoder.embed_tokens.weight", shared);
        });
        T5Model a = load(absent);
        T5Model b = load(present);
        T5Model c = load(onlyCopies);
        try {
            Map<String, float[]> va = values(a.weights());
            assertSameWeights(va, values(b.weights()));
            assertSameWeights(va, values(c.weights()));
            assertFalse(a.weights().arrays().containsKey("lm_head.weight"));
            // lm_head resolves to the one embedding table
            assertTrue(a.weights().get("lm_head.weight") == a.weights().get("shared.weight"));
            assertTrue(b.weights().get("lm_head.weight") == b.weights().get("shared.weight"));
            assertTrue(b.weights().get("encoder.embed_tokens.weight") == b.weights().get("shared.weight"));
        } finally {
            a.weights().close();
            b.weights().close();
            c.weights().close();
        }
    }

    @Test
    void untiedLmHeadIsRequired() throws IOException {
        Path p = edited("nohead", t -> t.remove("lm_head.weight"));
        assertTrue(loadFails(p).getMessage().contains("lm_head.weight"));
    }

    @Test
    void legacyCrossAttentionBiasIsIgnored() throws IOException {
        String legacy = "decoder.block.0.layer.1.EncDecAttention.relative_attention_bias.weight";
        Path p = edited("legacy", t -> t.put(legacy, t.get("decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight")));
        T5Model a = load(single);
        T5Model b = load(p);
        try {
            assertSameWeights(values(a.weights()), values(b.weights()));
            assertFalse(b.weights().contains(legacy));
        } finally {
            a.weights().close();
            b.weights().close();
        }
    }

    @Test
    void bf16CheckpointLoadsAsExactlyWidenedFp32() {
        Path p = TinyT5.write(dir.resolve("bf16"), GATED, 11, DType.BF16, 0);
        Map<String, Raw> raw = readRaw(p.resolve(HfModelFolder.SINGLE_WEIGHTS));
        T5Model m = load(p);
        try {
            for (Map.Entry<String, NDArray> e : m.weights().arrays().entrySet()) {
                Raw r = raw.get(e.getKey());
                assertEquals(DType.BF16, r.dtype, e.getKey());
                float[] got = e.getValue().toFloatArray();
                ByteBuffer b = ByteBuffer.wrap(r.bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < got.length; i++) {
                    // bf16 is the upper half of an fp32
                    float expected = Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got[i]), e.getKey() + "[" + i + "]");
                }
            }
        } finally {
            m.weights().close();
        }
    }

    @Test
    void f16CheckpointLoadsAsExactlyWidenedFp32() {
        Path p = TinyT5.write(dir.resolve("f16"), GATED, 11, DType.F16, 0);
        Map<String, Raw> raw = readRaw(p.resolve(HfModelFolder.SINGLE_WEIGHTS));
        T5Model m = load(p);
        try {
            for (Map.Entry<String, NDArray> e : m.weights().arrays().entrySet()) {
                Raw r = raw.get(e.getKey());
                assertEquals(DType.F16, r.dtype, e.getKey());
                float[] got = e.getValue().toFloatArray();
                ByteBuffer b = ByteBuffer.wrap(r.bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < got.length; i++) {
                    int h = b.getShort(i * 2) & 0xFFFF;
                    int exp = (h >> 10) & 0x1F;
                    int mant = h & 0x3FF;
                    // binary16: (-1)^s · 2^(e-15) · (1 + m/1024), or 2^-14 · m/1024 when e = 0 (values are finite here)
                    double v = exp == 0 ? Math.scalb((double) mant, -24) : Math.scalb(1024.0 + mant, exp - 25);
                    float expected = (float) ((h & 0x8000) != 0 ? -v : v);
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got[i]), e.getKey() + "[" + i + "]");
                }
            }
        } finally {
            m.weights().close();
        }
    }

    @Test
    void configOfAnotherModelType() throws IOException {
        Path p = dir.resolve("bart");
        Files.createDirectories(p);
        Files.writeString(p.resolve(HfModelFolder.CONFIG), "{\"model_type\": \"bart\"}");
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("bart") && msg.contains(HfModelFolder.CONFIG), msg);
    }

    @Test
    void listsOfNamesAreCapped() throws IOException {
        Path p = edited("many", t -> List.copyOf(t.keySet()).stream().filter(n -> n.startsWith("decoder.")).forEach(t::remove));
        String msg = loadFails(p).getMessage();
        assertTrue(msg.contains("more"), msg);
        assertTrue(msg.length() < 1000, msg);
    }
}
