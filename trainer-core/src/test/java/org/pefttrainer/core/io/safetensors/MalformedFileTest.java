package org.pefttrainer.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;

/** Every malformed file fails on open with one line naming the file (and the tensor, when one is at fault). */
class MalformedFileTest {
    @TempDir
    Path dir;

    /** u64 length + header + {@code dataBytes} zero bytes, the length field set to {@code lengthField}. */
    private Path file(String name, long lengthField, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(h);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        return file(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static String fail(Path p, String... mustContain) {
        UserException e = assertThrows(UserException.class, () -> SafetensorsReader.open(p).close());
        String msg = e.getMessage();
        assertTrue(msg.contains(p.toString()), () -> "no file name in: " + msg);
        assertFalse(msg.contains("\n"), () -> "not one line: " + msg);
        for (String s : mustContain) {
            assertTrue(msg.contains(s), () -> "expected '" + s + "' in: " + msg);
        }
        return msg;
    }

    @Test
    void validFileOpens() throws IOException {
        Path p = file("ok.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        try (SafetensorsReader r = SafetensorsReader.open(p)) {
            assertEquals(2, r.readAsFloat32("w").length);
        }
    }

    @Test
    void shorterThanTheLengthField() throws IOException {
        Path p = dir.resolve("tiny.safetensors");
        Files.write(p, new byte[] {1, 2, 3, 4, 5});
        fail(p, "truncated");
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        fail(empty, "truncated");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        fail(file("h.safetensors", 1000, "{\"__metadata__\":{}}", 0), "truncated", "1000");
    }

    @Test
    void dataCutShort() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}";
        fail(file("cut.safetensors", h, 20), "'b'", "truncated");
    }

    @Test
    void aTensorListedTwiceIsRefusedByName() throws IOException {
        String e = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        fail(file("dup.safetensors", "{\"w\":" + e + ",\"w\":" + e + "}", 8), "tensor 'w' is listed twice");
    }

    @Test
    void aHeaderThatIsNotUtf8IsRefused() throws IOException {
        byte[] h = "{\"w?\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xFF;
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = dir.resolve("latin.safetensors");
        Files.write(p, b.array());
        fail(p, "not valid UTF-8");
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        fail(file("meta.safetensors", "{\"__metadata__\":{\"format\":{}}}", 0), "__metadata__", "'format'");
    }

    @Test
    void numbersBeyond64BitsAreRefused() throws IOException {
        fail(file("big.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[18446744073709551618],"
                + "\"data_offsets\":[0,8]}}", 8), "'w'", "shape");
        fail(file("bigo.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[18446744073709551616,18446744073709551624]}}", 8), "'w'", "data_offsets");
    }

    @Test
    void headerNotJson() throws IOException {
        fail(file("nj.safetensors", "{\"a\": [1, 2", 0), "JSON");
        fail(file("nj2.safetensors", "hello world", 0), "JSON");
    }

    @Test
    void headerNotAnObject() throws IOException {
        fail(file("arr.safetensors", "[1, 2, 3]", 0), "object");
        fail(file("num.safetensors", "12345678", 0), "object");
    }

    @Test
    void hugeOrNegativeLengthField() throws IOException {
        fail(file("huge.safetensors", 1L << 50, "{}", 0), "header");
        fail(file("neg.safetensors", -8, "{}      ", 0), "header"); // u64 0xFFFF...F8
        fail(file("zero.safetensors", 0, "", 0), "header");
    }

    @Test
    void overlappingOffsets() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        fail(file("ov.safetensors", h, 12), "'a'", "'b'", "overlap");
        String same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        fail(file("ov2.safetensors", same, 8), "'a'", "'b'", "overlap");
        String inside = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        fail(file("ov3.safetensors", inside, 16), "overlap");
    }

    @Test
    void outOfRangeOffsets() throws IOException {
        fail(file("or.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}", 8), "'w'");
        fail(file("rev.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "'w'");
        fail(file("negoff.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), "'w'");
        fail(file("oneoff.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8), "'w'");
        fail(file("stroff.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}}", 8),
                "'w'");
    }

    @Test
    void unknownDtype() throws IOException {
        fail(file("dt.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2),
                "'w'", "F8_E4M3");
        fail(file("dt2.safetensors", "{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'",
                "f32");
    }

    @Test
    void shapeAndByteCountDisagree() throws IOException {
        fail(file("sz.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "'w'",
                "12", "8");
        fail(file("sz2.safetensors", "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16),
                "'w'");
        fail(file("big.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                + "\"data_offsets\":[0,8]}}", 8), "'w'");
    }

    @Test
    void nonIntegerShape() throws IOException {
        fail(file("s1.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "'w'",
                "shape");
        fail(file("s2.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8), "'w'",
                "shape");
        fail(file("s3.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "'w'",
                "shape");
        fail(file("s4.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8), "'w'",
                "shape");
    }

    @Test
    void incompleteEntries() throws IOException {
        fail(file("e1.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "'w'", "data_offsets");
        fail(file("e2.safetensors", "{\"w\":[1,2]}", 0), "'w'");
        fail(file("e3.safetensors", "{\"__metadata__\":[1],\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                8), "__metadata__");
    }

    @Test
    void missingFile() {
        fail(dir.resolve("nope.safetensors"), "not found");
    }
}
