package org.pefttrainer.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.pefttrainer.core.io.safetensors.SafetensorsWriterTest.assertBitsEqual;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Files written by the reference Python's {@code safetensors.torch.save_file}
 * (tools/reference/make_safetensors_samples.py): sorted names, {@code __metadata__} last, tensors not 8-byte aligned.
 */
class ReferenceSamplesTest {
    private static Path resource(String name) throws Exception {
        return Path.of(ReferenceSamplesTest.class.getResource("/reference/safetensors/" + name).toURI());
    }

    @Test
    void specialValuesReadExactly() throws Exception {
        try (SafetensorsReader r = SafetensorsReader.open(resource("special_values.safetensors"))) {
            assertEquals(Set.of("f32.values", "f16.values", "bf16.values", "i64.ids", "empty", "scalar"),
                    r.tensors().keySet());
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(DType.F16, r.info("f16.values").dtype());
            assertArrayEquals(new long[] {2, 2}, r.info("bf16.values").shape());
            assertBitsEqual(new float[] {1f, -2.5f, 3.1415927f, 1e-40f, Float.MAX_VALUE, -0f},
                    r.readAsFloat32("f32.values"));
            // torch's f16: 1, 65504, 2^-24, -0, inf, -inf, NaN, 1/3 -> 0x3555, -2
            assertBitsEqual(new float[] {1f, 65504f, 0x1.0p-24f, -0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 0.333251953125f, -2f}, r.readAsFloat32("f16.values"));
            // torch's bf16: 1, 0x7F7F, -1/3 -> 0xBEAB, 2^-133 -> 0x0001
            assertBitsEqual(new float[] {1f, 3.3895313892515355e38f, -0.333984375f, 0x1.0p-133f},
                    r.readAsFloat32("bf16.values"));
            assertArrayEquals(new long[] {0, -1, 1L << 40}, r.readAsLongs("i64.ids"));
            assertArrayEquals(new long[] {2, 0}, r.info("empty").shape());
            assertEquals(0, r.readAsFloat32("empty").length);
            assertArrayEquals(new long[0], r.info("scalar").shape());
            assertArrayEquals(new float[] {7f}, r.readAsFloat32("scalar"));
        }
    }

    @Test
    void randomTensorsEqualTorchsWidening() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(resource("random.json").toFile()).get("tensors");
        try (SafetensorsReader r = SafetensorsReader.open(resource("random.safetensors"))) {
            assertEquals(expected.size(), r.tensors().size());
            expected.fields().forEachRemaining(e -> {
                String name = e.getKey();
                JsonNode t = e.getValue();
                TensorInfo info = r.info(name);
                assertEquals(t.get("shape").toString(), info.shapeString().replace(" ", ""), name);
                String dtype = switch (info.dtype()) {
                    case F32 -> "float32";
                    case F16 -> "float16";
                    case BF16 -> "bfloat16";
                    default -> info.dtype().name();
                };
                assertEquals(t.get("dtype").asText(), dtype, name);
                float[] values = r.readAsFloat32(name);
                assertEquals(t.get("fp32").size(), values.length, name);
                for (int i = 0; i < values.length; i++) {
                    assertEquals((float) t.get("fp32").get(i).asDouble(), values[i], 0f, name + "[" + i + "]");
                }
                if (t.has("bits")) {
                    ByteBuffer raw = r.rawBytes(name);
                    for (int i = 0; i < values.length; i++) {
                        assertEquals(t.get("bits").get(i).asInt(), raw.getShort(i * 2) & 0xFFFF, name + "[" + i + "]");
                        // our narrowing of torch's widened value gives torch's bits back
                        short ours = info.dtype() == DType.F16 ? HalfFloats.floatToF16(values[i])
                                : HalfFloats.floatToBf16(values[i]);
                        assertEquals(t.get("bits").get(i).asInt(), ours & 0xFFFF, name + "[" + i + "]");
                    }
                }
            });
        }
    }

    @Test
    void ourNarrowingOfTheFp32TensorEqualsTorchs() throws Exception {
        // layer.f16 / layer.bf16 are torch's .to(float16/bfloat16) of layer.f32: compare our rounding to torch's
        try (SafetensorsReader r = SafetensorsReader.open(resource("random.safetensors"))) {
            float[] f32 = r.readAsFloat32("layer.f32");
            ByteBuffer h = r.rawBytes("layer.f16");
            ByteBuffer b = r.rawBytes("layer.bf16");
            for (int i = 0; i < f32.length; i++) {
                assertEquals(h.getShort(i * 2), HalfFloats.floatToF16(f32[i]), "f16 of element " + i);
                assertEquals(b.getShort(i * 2), HalfFloats.floatToBf16(f32[i]), "bf16 of element " + i);
            }
        }
    }
}
