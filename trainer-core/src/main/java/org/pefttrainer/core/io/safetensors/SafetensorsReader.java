package org.pefttrainer.core.io.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.UserException;

/**
 * Memory-mapped reader of one safetensors file. The header is parsed and fully validated on open (dtype names,
 * shapes against byte counts, offsets in range and not overlapping), so a malformed file fails before any tensor is
 * used, with an error naming the file and the tensor. Tensor data is mapped per tensor on demand (no 2 GiB cap, no
 * heap copy of the file); 16-bit floats are widened to fp32 while reading.
 */
public final class SafetensorsReader implements Closeable {
    /** Same cap as the reference implementation: a larger header is treated as corrupt. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Duplicate keys are an error: which of two entries of one tensor holds would be a guess. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsReader(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsReader open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserException(path + ": file not found");
        } catch (IOException e) {
            throw new UserException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsReader parse(Path path, FileChannel ch) {
        try {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw bad(path, "truncated: " + fileSize + " bytes, expected at least the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw bad(path, "bad header: length field says " + headerLen + " bytes (file has " + fileSize + ")");
            }
            if (8 + headerLen > fileSize) {
                throw bad(path, "truncated: header length " + headerLen + " exceeds the file size " + fileSize);
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            String headerText;
            try {
                headerText = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(headerBuf.flip()).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw bad(path, "bad header: not valid UTF-8 (" + e.getMessage() + ")");
            }
            JsonNode root;
            try {
                root = JSON.readTree(headerText);
            } catch (IOException e) {
                String m = firstLine(e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                        ? j.getOriginalMessage() : e.getMessage());
                java.util.regex.Matcher dup = DUPLICATE.matcher(m);
                if (dup.find()) {
                    throw bad(path, "bad header: tensor '" + dup.group(1) + "' is listed twice");
                }
                throw bad(path, "bad header: not valid JSON (" + m + ")");
            }
            if (root == null || !root.isObject()) {
                throw bad(path, "bad header: expected a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if ("__metadata__".equals(e.getKey())) {
                    if (!e.getValue().isObject()) {
                        throw bad(path, "bad header: __metadata__ must be an object of strings");
                    }
                    for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext();) {
                        Map.Entry<String, JsonNode> kv = m.next();
                        if (!kv.getValue().isTextual()) {
                            throw bad(path, "bad header: __metadata__ must be an object of strings, '" + kv.getKey()
                                    + "' is " + kv.getValue().getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
                        }
                        metadata.put(kv.getKey(), kv.getValue().textValue());
                    }
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), dataSize));
            }
            checkOverlaps(path, tensors.values());
            return new SafetensorsReader(path, ch, dataStart, Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new UserException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw bad(path, "tensor '" + name + "': header entry must be an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw bad(path, "tensor '" + name + "': header entry needs dtype, shape and data_offsets");
        }
        DType dtype = DType.fromHeaderName(dtypeNode.asText());
        if (dtype == null) {
            throw bad(path, "tensor '" + name + "': unknown dtype '" + dtypeNode.asText()
                    + "' (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
        if (!shapeNode.isArray()) {
            throw bad(path, "tensor '" + name + "': shape must be a list of non-negative integers");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw bad(path, "tensor '" + name + "': shape must be a list of non-negative integers, got "
                        + shapeNode);
            }
            shape[i] = d.asLong();
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2 || !offsetsNode.get(0).isIntegralNumber()
                || !offsetsNode.get(1).isIntegralNumber() || !offsetsNode.get(0).canConvertToLong()
                || !offsetsNode.get(1).canConvertToLong()) {
            throw bad(path, "tensor '" + name + "': data_offsets must be [begin, end], got " + offsetsNode);
        }
        long begin = offsetsNode.get(0).asLong();
        long end = offsetsNode.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw bad(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] are not an increasing range");
        }
        if (end > dataSize) {
            throw bad(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] run past the end of the data (" + dataSize + " bytes; file truncated?)");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long expected;
        try {
            expected = Math.multiplyExact(info.numElements(), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw bad(path, "tensor '" + name + "': shape " + info.shapeString() + " is too large");
        }
        if (expected != end - begin) {
            throw bad(path, "tensor '" + name + "': shape " + info.shapeString() + " of " + dtype + " needs " + expected
                    + " bytes but data_offsets give " + (end - begin));
        }
        return info;
    }

    private static void checkOverlaps(Path path, Iterable<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (prev != null && t.begin() < prev.end() && t.byteLength() > 0) {
                throw bad(path, "tensors '" + prev.name() + "' and '" + t.name() + "' have overlapping data_offsets");
            }
            if (prev == null || t.end() > prev.end()) {
                prev = t;
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new UserException(path + ": no tensor named '" + name + "'");
        }
        return t;
    }

    /** The raw little-endian bytes of a tensor, memory-mapped (read-only). */
    public ByteBuffer rawBytes(String name) {
        TensorInfo t = info(name);
        try {
            if (t.byteLength() == 0) {
                return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UserException(path + ": cannot map tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes the tensor as fp32 values into {@code dst} (from its position; it must have room for all elements).
     * F32 is copied, F16/BF16 are widened exactly, F64 is narrowed.
     */
    public void readAsFloat32(String name, FloatBuffer dst) {
        TensorInfo t = info(name);
        int n = Math.toIntExact(t.numElements());
        if (dst.remaining() < n) {
            throw new IllegalArgumentException("destination too small for " + t);
        }
        ByteBuffer src = rawBytes(name);
        try {
            decodeFloats(t, src, n, dst);
        } finally {
            // The values are copied: drop the mapping now, so that reading a checkpoint tensor by tensor keeps only
            // one tensor's pages resident.
            MappedRegions.release(src);
        }
    }

    private void decodeFloats(TensorInfo t, ByteBuffer src, int n, FloatBuffer dst) {
        String name = t.name();
        switch (t.dtype()) {
            case F32 -> dst.put(src.asFloatBuffer());
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(HalfFloats.f16ToFloat(src.getShort(i * 2)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(HalfFloats.bf16ToFloat(src.getShort(i * 2)));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst.put((float) src.getDouble(i * 8));
                }
            }
            default -> throw new UserException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                    + ", expected a floating-point type (F32, F16, BF16)");
        }
    }

    public float[] readAsFloat32(String name) {
        TensorInfo t = info(name);
        float[] out = new float[Math.toIntExact(t.numElements())];
        readAsFloat32(name, FloatBuffer.wrap(out));
        return out;
    }

    /** Copies the tensor's stored bytes (its dtype, little-endian) into {@code dst} and drops the mapping. */
    public void copyRawBytes(String name, ByteBuffer dst) {
        ByteBuffer src = rawBytes(name);
        try {
            dst.put(src);
        } finally {
            MappedRegions.release(src);
        }
    }

    /** Writes the tensor's stored bytes to {@code target} (FileChannel.transferTo: no copy through the heap). */
    public void transferRawBytes(String name, java.nio.channels.WritableByteChannel target) {
        TensorInfo t = info(name);
        try {
            long pos = dataStart + t.begin();
            long left = t.byteLength();
            while (left > 0) {
                long n = channel.transferTo(pos, left, target);
                if (n <= 0) {
                    throw new IOException("transfer stopped with " + left + " bytes left");
                }
                pos += n;
                left -= n;
            }
        } catch (IOException e) {
            throw new UserException(path + ": cannot copy tensor '" + name + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Reads an integer tensor (I64, I32, I16, I8, U8, BOOL) as longs. */
    public long[] readAsLongs(String name) {
        TensorInfo t = info(name);
        ByteBuffer src = rawBytes(name);
        try {
            return decodeLongs(t, src);
        } finally {
            MappedRegions.release(src);
        }
    }

    private long[] decodeLongs(TensorInfo t, ByteBuffer src) {
        String name = t.name();
        int n = Math.toIntExact(t.numElements());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case I64 -> src.getLong(i * 8);
                case I32 -> src.getInt(i * 4);
                case I16 -> src.getShort(i * 2);
                case I8 -> src.get(i);
                case U8, BOOL -> src.get(i) & 0xFF;
                default -> throw new UserException(path + ": tensor '" + name + "' has dtype " + t.dtype()
                        + ", expected an integer type");
            };
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static UserException bad(Path path, String what) {
        return new UserException(path + ": " + what);
    }

    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("^Duplicate field '(.*)'");

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do: the file was only read
        }
    }
}
