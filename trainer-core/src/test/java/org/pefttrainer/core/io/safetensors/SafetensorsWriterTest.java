package org.pefttrainer.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's files, checked by parsing the raw bytes against the safetensors spec (u64 little-endian header
 * length, JSON header, little-endian data), and read back through the reader.
 */
class SafetensorsWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void headerLayoutFollowsTheSpec() throws Exception {
        Path file = dir.resolve("layout.safetensors");
        // 3 + 5 + 1 elements of different widths so that no offset is a multiple of 8 by accident
        new SafetensorsWriter()
                .addFloats("b.first", DType.F32, new long[] {3}, new float[] {1f, 2f, 3f})
                .addFloats("a.second", DType.F16, new long[] {5, 1}, new float[] {1f, -2f, 0.5f, 65504f, 0f})
                .addFloats("c.third", DType.BF16, new long[] {1}, new float[] {1f})
                .addLongs("d.ids", new long[] {2}, new long[] {7, -1})
                .write(file);
        byte[] raw = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, n % 8, "header length must be a multiple of 8");
        assertEquals(0, (8 + n) % 8, "data must start 8-byte aligned");
        String header = new String(raw, 8, (int) n, StandardCharsets.UTF_8);
        String trimmed = header.stripTrailing();
        assertTrue(header.substring(trimmed.length()).chars().allMatch(c -> c == ' '), "padding must be spaces");
        assertTrue(header.length() - trimmed.length() < 8, "at most 7 padding bytes");
        JsonNode root = JSON.readTree(trimmed);
        Iterator<String> names = root.fieldNames();
        assertEquals("__metadata__", names.next(), "__metadata__ comes first");
        assertEquals(Map.of("format", "pt"), JSON.convertValue(root.get("__metadata__"), Map.class));
        List<String> order = new ArrayList<>();
        names.forEachRemaining(order::add);
        assertEquals(List.of("b.first", "a.second", "c.third", "d.ids"), order, "tensors in the order added");

        long expectedBegin = 0;
        long[] sizes = {12, 10, 2, 16};
        String[] dtypes = {"F32", "F16", "BF16", "I64"};
        for (int i = 0; i < order.size(); i++) {
            JsonNode t = root.get(order.get(i));
            assertEquals(dtypes[i], t.get("dtype").asText());
            assertEquals(expectedBegin, t.get("data_offsets").get(0).asLong(), "offsets are contiguous");
            assertEquals(expectedBegin + sizes[i], t.get("data_offsets").get(1).asLong());
            expectedBegin += sizes[i];
        }
        assertEquals("[5,1]", root.get("a.second").get("shape").toString());
        assertEquals(8 + n + expectedBegin, raw.length, "no bytes after the last tensor");

        int data = (int) (8 + n);
        assertEquals(1f, bb.getFloat(data));
        assertEquals(3f, bb.getFloat(data + 8));
        assertEquals((short) 0x3C00, bb.getShort(data + 12)); // f16 1
        assertEquals((short) 0xC000, bb.getShort(data + 14)); // f16 -2
        assertEquals((short) 0x3800, bb.getShort(data + 16)); // f16 0.5
        assertEquals((short) 0x7BFF, bb.getShort(data + 18)); // f16 65504
        assertEquals((short) 0x3F80, bb.getShort(data + 22)); // bf16 1
        assertEquals(7L, bb.getLong(data + 24));
        assertEquals(-1L, bb.getLong(data + 32));
    }

    @Test
    void roundTripOfF32F16Bf16() {
        Path file = dir.resolve("round.safetensors");
        float[] values = {0f, -0f, 1f, -1.5f, 3.14159265f, 1e-3f, 65504f, 1e-7f, 70000f, 0.1f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f + 0x1.0p-11f, f(0x3F808000),
            Float.MIN_VALUE, Float.MAX_VALUE};
        new SafetensorsWriter()
                .addFloats("x.f32", DType.F32, new long[] {values.length}, values)
                .addFloats("x.f16", DType.F16, new long[] {values.length}, values)
                .addFloats("x.bf16", DType.BF16, new long[] {values.length}, values)
                .write(file);
        // What each format can hold, worked out from the formats (round to nearest even):
        float[] f16 = {0f, -0f, 1f, -1.5f, 3.140625f, 0.0010004044f, 65504f, 1.1920929e-7f, Float.POSITIVE_INFINITY,
            0.099975586f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, 1.00390625f, 0f,
            Float.POSITIVE_INFINITY};
        float[] bf16 = {0f, -0f, 1f, -1.5f, 3.140625f, 0.00099945068359375f, 65536f, 1.0011718e-7f, 70144f, 0.10009765625f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, 1f, 0f, Float.POSITIVE_INFINITY};
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertBitsEqual(values, r.readAsFloat32("x.f32"));
            assertBitsEqual(f16, r.readAsFloat32("x.f16"));
            assertBitsEqual(bf16, r.readAsFloat32("x.bf16"));
            assertEquals(DType.F16, r.info("x.f16").dtype());
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
    }

    @Test
    void handWrittenBitPatternsReadAsTheirValues() {
        Path file = dir.resolve("bits.safetensors");
        short[] f16 = {0x3C00, 0x7BFF, 0x0001, (short) 0x8000, 0x7C00, (short) 0xFC00, 0x7E00, 0x03FF, 0x0400};
        short[] bf16 = {0x3F80, 0x7F7F, 0x0001, (short) 0x8000, 0x7F80, 0x7FC0, (short) 0xBEAB};
        new SafetensorsWriter()
                .add("h", DType.F16, new long[] {3, 3}, dst -> dst.asShortBuffer().put(f16))
                .add("b", DType.BF16, new long[] {7}, dst -> dst.asShortBuffer().put(bf16))
                .write(file);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertBitsEqual(new float[] {1f, 65504f, 0x1.0p-24f, -0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 1023 * 0x1.0p-24f, 0x1.0p-14f}, r.readAsFloat32("h"));
            assertBitsEqual(new float[] {1f, f(0x7F7F0000), 0x1.0p-133f, -0f, Float.POSITIVE_INFINITY, Float.NaN,
                -0.333984375f}, r.readAsFloat32("b"));
            ByteBuffer rawH = r.rawBytes("h");
            for (int i = 0; i < f16.length; i++) {
                assertEquals(f16[i], rawH.getShort(i * 2));
            }
        }
    }

    @Test
    void emptyAndScalarTensors() {
        Path file = dir.resolve("shapes.safetensors");
        new SafetensorsWriter()
                .addFloats("empty", DType.F32, new long[] {2, 0}, new float[0])
                .addFloats("scalar", DType.F32, new long[0], new float[] {42f})
                .addFloats("after", DType.F16, new long[] {1}, new float[] {2f})
                .write(file);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertEquals(0, r.readAsFloat32("empty").length);
            assertArrayEquals(new float[] {42f}, r.readAsFloat32("scalar"));
            assertArrayEquals(new float[] {2f}, r.readAsFloat32("after"));
            assertEquals(0, r.info("empty").byteLength());
        }
    }

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    /** Equal as values, -0 distinct from 0, any NaN equal to any NaN. */
    static void assertBitsEqual(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i])) {
                assertTrue(Float.isNaN(actual[i]), "element " + i + " should be NaN, was " + actual[i]);
            } else {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        "element " + i + ": expected " + expected[i] + " got " + actual[i]);
            }
        }
    }
}
