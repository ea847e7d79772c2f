package org.pefttrainer.core.io.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.io.AtomicFiles;

/**
 * Writes a safetensors file the way Python's {@code safetensors} writes it: {@code __metadata__} with
 * {"format": "pt"}, the JSON header padded with spaces to a multiple of 8 bytes, tensors stored contiguously in the
 * order added. Tensor data is pulled from {@link TensorData} callbacks one tensor at a time, so a large file can be
 * streamed without holding every tensor in memory. The file is written to a temp name and renamed at the end.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fills {@code dst} (little-endian, sized exactly to the tensor's byte count) with the tensor's bytes. */
    @FunctionalInterface
    public interface TensorData {
        void fill(ByteBuffer dst);
    }

    /**
     * Tensor bytes that write themselves to the file's channel (e.g. a region of another file copied with
     * FileChannel.transferTo), so no staging buffer of the tensor's size is needed. Must write exactly the tensor's
     * byte count.
     */
    @FunctionalInterface
    public interface ChannelData extends TensorData {
        void writeTo(java.nio.channels.WritableByteChannel target) throws IOException;

        @Override
        default void fill(ByteBuffer dst) {
            throw new UnsupportedOperationException("channel data is written with writeTo");
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long bytes, TensorData data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter() {
        metadata.put("format", "pt");
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorData data) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name " + name);
        }
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        entries.add(new Entry(name, dtype, shape.clone(), n * dtype.bytes(), data));
        return this;
    }

    /** Adds fp32 values stored as {@code dtype} (F32, F16 or BF16; narrowing rounds to nearest-even). */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        return addFloats(name, dtype, shape, () -> FloatBuffer.wrap(values));
    }

    /** Like {@link #addFloats(String, DType, long[], float[])} with the values produced only when written. */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, java.util.function.Supplier<FloatBuffer> values) {
        return add(name, dtype, shape, dst -> encodeFloats(values.get(), dtype, dst));
    }

    public SafetensorsWriter addLongs(String name, long[] shape, long[] values) {
        return add(name, DType.I64, shape, dst -> dst.asLongBuffer().put(values));
    }

    /** Encodes fp32 values into {@code dst} as F32, F16, BF16 or F64. */
    public static void encodeFloats(FloatBuffer src, DType dtype, ByteBuffer dst) {
        FloatBuffer s = src.duplicate();
        switch (dtype) {
            case F32 -> dst.asFloatBuffer().put(s);
            case F16 -> {
                int i = 0;
                while (s.hasRemaining()) {
                    dst.putShort(i, HalfFloats.floatToF16(s.get()));
                    i += 2;
                }
            }
            case BF16 -> {
                int i = 0;
                while (s.hasRemaining()) {
                    dst.putShort(i, HalfFloats.floatToBf16(s.get()));
                    i += 2;
                }
            }
            case F64 -> {
                int i = 0;
                while (s.hasRemaining()) {
                    dst.putDouble(i, s.get());
                    i += 8;
                }
            }
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
    }

    /** The header bytes (padded), exposed for tests of the layout. */
    byte[] header() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode meta = root.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = root.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            ArrayNode off = t.putArray("data_offsets");
            off.add(offset);
            off.add(offset + e.bytes);
            offset += e.bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    public void write(Path target) {
        AtomicFiles.write(target, this::writeTo);
    }

    private void writeTo(Path tmp) throws IOException {
        byte[] header = header();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeAll(ch, len);
            writeAll(ch, ByteBuffer.wrap(header));
            // One staging buffer for the whole file, grown to the largest tensor: direct buffers are freed only by
            // the garbage collector, so one per tensor would hold native memory of many tensors at once.
            ByteBuffer staging = null;
            for (Entry e : entries) {
                if (e.data instanceof ChannelData c) {
                    long before = ch.position();
                    c.writeTo(ch);
                    if (ch.position() - before != e.bytes) {
                        throw new IOException("tensor '" + e.name + "': wrote " + (ch.position() - before)
                                + " bytes, expected " + e.bytes);
                    }
                    continue;
                }
                int n = Math.toIntExact(e.bytes);
                if (staging == null || staging.capacity() < n) {
                    staging = ByteBuffer.allocateDirect(n).order(ByteOrder.LITTLE_ENDIAN);
                }
                ByteBuffer buf = staging.clear().limit(n).slice().order(ByteOrder.LITTLE_ENDIAN);
                e.data.fill(buf);
                buf.clear();
                writeAll(ch, buf);
            }
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
