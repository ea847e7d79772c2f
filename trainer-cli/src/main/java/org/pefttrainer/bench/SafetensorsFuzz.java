package org.pefttrainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsReader;
import org.pefttrainer.core.io.safetensors.TensorInfo;

/**
 * A seeded mutation fuzzer of the safetensors reader. It starts from real files (written by the Python safetensors
 * library: see resources peft/fuzz-seeds) and mutates their headers and data: the header length, dtypes, shapes and
 * data_offsets of one tensor (off by a little, huge, negative, of the wrong JSON type), duplicate keys, overlapping
 * ranges, truncation, bit flips, non-UTF-8 bytes, odd metadata. Each input must end in one of two ways:
 * <ul>
 *   <li>the project's one-line {@link UserException} that starts with the file's path and, when the mutation
 *       broke one tensor's entry, names that tensor; or</li>
 *   <li>a correct load: the names, dtypes and shapes are those of the header (read here with a plain JSON parser)
 *       and every tensor's values equal the file's bytes decoded here, independently of the reader.</li>
 * </ul>
 * Anything else (another exception, an error without the path, a multi-line message, a wrong value, an input that
 * takes over {@link MutationFuzz#SLOW_NANOS}) is a finding, kept with the mutation that caused it.
 */
public final class SafetensorsFuzz implements MutationFuzz.Target<SafetensorsFuzz.Mutant> {
    static final List<String> SEEDS = List.of("special_values.safetensors", "random.safetensors",
            "prompt-tuning.safetensors", "lora-qv.safetensors");

    private static final ObjectMapper PLAIN = new ObjectMapper();
    /** The header as the format defines it: UTF-8 JSON whose keys are unique. */
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private record Seed(String name, byte[] bytes, ObjectNode header, long headerLen) {}

    record Mutant(byte[] bytes, String mutation, String tensor) {}

    private final List<Seed> seeds = new ArrayList<>();
    private final Path file;

    /** Fuzzes through {@code file} (rewritten for each input). */
    public SafetensorsFuzz(Path file) {
        this.file = file;
        for (String s : SEEDS) {
            try (InputStream in = SafetensorsFuzz.class.getResourceAsStream("/peft/fuzz-seeds/" + s)) {
                if (in == null) {
                    throw new IllegalStateException("missing seed resource peft/fuzz-seeds/" + s);
                }
                byte[] b = in.readAllBytes();
                long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                ObjectNode h = (ObjectNode) PLAIN.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
                seeds.add(new Seed(s, b, h, n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public MutationFuzz.Result run(long inputs, long seed) {
        return MutationFuzz.run(file, this, inputs, seed);
    }

    @Override
    public MutationFuzz.Input<Mutant> next(Random rnd) {
        Seed s = seeds.get(rnd.nextInt(seeds.size()));
        Mutant m = mutate(s, rnd);
        return new MutationFuzz.Input<>(m.bytes(), s.name(), m.mutation(), m);
    }

    @Override
    public String load(Path f, MutationFuzz.Input<Mutant> in) {
        return loadAndCheck(in.detail());
    }

    @Override
    public String refusal(Path f, MutationFuzz.Input<Mutant> in, UserException e) {
        String wrong = MutationFuzz.oneLineNamingFile(f, e);
        Mutant m = in.detail();
        if (wrong == null && m.tensor() != null && !e.getMessage().contains("'" + m.tensor() + "'")) {
            wrong = "error does not name tensor '" + m.tensor() + "': " + e.getMessage();
        }
        return wrong;
    }

    /** Opens and reads every tensor; null when the load is correct, else what is wrong with it. */
    private String loadAndCheck(Mutant m) {
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            Map<String, float[]> floats = new LinkedHashMap<>();
            Map<String, long[]> longs = new LinkedHashMap<>();
            for (TensorInfo t : r.tensors().values()) {
                if (isFloat(t.dtype())) {
                    floats.put(t.name(), r.readAsFloat32(t.name()));
                } else {
                    longs.put(t.name(), r.readAsLongs(t.name()));
                }
            }
            return verify(m.bytes(), r, floats, longs);
        }
    }

    private static boolean isFloat(DType d) {
        return d == DType.F32 || d == DType.F16 || d == DType.BF16 || d == DType.F64;
    }

    /** The load against the header and bytes read here. */
    private static String verify(byte[] bytes, SafetensorsReader r, Map<String, float[]> floats,
                                 Map<String, long[]> longs) {
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 8, (int) n)).toString();
            header = STRICT.readTree(text);
        } catch (java.nio.charset.CharacterCodingException e) {
            return "loaded a header that is not valid UTF-8";
        } catch (IOException e) {
            return "loaded a header that is not strict JSON: " + e.getMessage().lines().findFirst().orElse("");
        }
        JsonNode meta = header.get("__metadata__");
        Map<String, String> wantMeta = new LinkedHashMap<>();
        if (meta != null) {
            if (!meta.isObject()) {
                return "loaded, with __metadata__ " + meta + " (not an object of strings)";
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> m = it.next();
                if (!m.getValue().isTextual()) {
                    return "loaded, with __metadata__ value " + m.getValue() + " (not a string)";
                }
                wantMeta.put(m.getKey(), m.getValue().textValue());
            }
        }
        if (!wantMeta.equals(r.metadata())) {
            return "metadata " + r.metadata() + ", header says " + wantMeta;
        }
        List<String> names = new ArrayList<>();
        header.fieldNames().forEachRemaining(k -> {
            if (!k.equals("__metadata__")) {
                names.add(k);
            }
        });
        if (!names.equals(new ArrayList<>(r.tensors().keySet()))) {
            return "loaded tensors " + r.tensors().keySet() + " but the header lists " + names;
        }
        int dataStart = (int) (8 + n);
        for (String name : names) {
            JsonNode e = header.get(name);
            TensorInfo t = r.tensors().get(name);
            if (!t.dtype().name().equals(e.get("dtype").asText())) {
                return name + ": dtype " + t.dtype() + ", header says " + e.get("dtype");
            }
            long[] shape = new long[e.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = e.get("shape").get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                    return name + ": loaded with shape " + e.get("shape") + " (not 64-bit integers)";
                }
                shape[i] = d.longValue();
            }
            for (JsonNode o : e.get("data_offsets")) {
                if (!o.isIntegralNumber() || !o.canConvertToLong()) {
                    return name + ": loaded with data_offsets " + e.get("data_offsets") + " (not 64-bit integers)";
                }
            }
            if (!Arrays.equals(shape, t.shape())) {
                return name + ": shape " + t.shapeString() + ", header says " + e.get("shape");
            }
            int begin = dataStart + e.get("data_offsets").get(0).intValue();
            int end = dataStart + e.get("data_offsets").get(1).intValue();
            ByteBuffer b = ByteBuffer.wrap(bytes, begin, end - begin).slice().order(ByteOrder.LITTLE_ENDIAN);
            int count = (int) Arrays.stream(shape).reduce(1, (x, y) -> x * y);
            if (floats.containsKey(name)) {
                float[] got = floats.get(name);
                if (got.length != count) {
                    return name + ": " + got.length + " values, shape has " + count;
                }
                for (int i = 0; i < count; i++) {
                    float want = switch (t.dtype()) {
                        case F32 -> Float.intBitsToFloat(b.getInt(4 * i));
                        case F64 -> (float) Double.longBitsToDouble(b.getLong(8 * i));
                        case BF16 -> Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
                        default -> half(b.getShort(2 * i));
                    };
                    if (Float.floatToIntBits(want) != Float.floatToIntBits(got[i])
                            && !(Float.isNaN(want) && Float.isNaN(got[i]))) {
                        return name + "[" + i + "]: read " + got[i] + ", the bytes say " + want;
                    }
                }
            } else {
                long[] got = longs.get(name);
                for (int i = 0; i < count; i++) {
                    long want = switch (t.dtype()) {
                        case I64 -> b.getLong(8 * i);
                        case I32 -> b.getInt(4 * i);
                        case I16 -> b.getShort(2 * i);
                        case I8 -> b.get(i);
                        default -> b.get(i) & 0xFF;
                    };
                    if (want != got[i]) {
                        return name + "[" + i + "]: read " + got[i] + ", the bytes say " + want;
                    }
                }
            }
        }
        return null;
    }

    /** IEEE binary16 to float, by its definition (not the reader's code). */
    static float half(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits >>> 15) == 0 ? 1 : -1;
        int exp = (bits >>> 10) & 0x1F;
        int frac = bits & 0x3FF;
        if (exp == 0x1F) {
            return frac == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        if (exp == 0) {
            return (float) (sign * Math.scalb((double) frac, -24));
        }
        return (float) (sign * Math.scalb(1024.0 + frac, exp - 25));
    }

    // ---- mutations ----

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Mutant mutate(Seed s, Random rnd) {
        int op = rnd.nextInt(16);
        return switch (op) {
            case 0, 1 -> dtype(s, rnd);
            case 2, 3 -> shape(s, rnd);
            case 4, 5 -> offsets(s, rnd);
            case 6 -> missingField(s, rnd);
            case 7 -> duplicateKey(s, rnd);
            case 8 -> overlap(s, rnd);
            case 9 -> headerLength(s, rnd);
            case 10 -> truncate(s, rnd);
            case 11 -> flipHeaderBytes(s, rnd);
            case 12 -> flipDataBytes(s, rnd);
            case 13 -> nonUtf8(s, rnd);
            case 14 -> metadata(s, rnd);
            default -> entryType(s, rnd);
        };
    }

    private static String someTensor(Seed s, Random rnd) {
        List<String> names = new ArrayList<>();
        s.header().fieldNames().forEachRemaining(k -> {
            if (!k.equals("__metadata__")) {
                names.add(k);
            }
        });
        return names.get(rnd.nextInt(names.size()));
    }

    private static JsonNode weird(Random rnd) {
        return switch (rnd.nextInt(9)) {
            case 0 -> F.nullNode();
            case 1 -> F.textNode("");
            case 2 -> F.numberNode(rnd.nextInt(10) - 5);
            case 3 -> F.numberNode(1.5);
            case 4 -> F.objectNode();
            case 5 -> F.booleanNode(true);
            case 6 -> F.numberNode(new BigInteger("123456789012345678901234567890"));
            case 7 -> F.numberNode(Long.MAX_VALUE);
            default -> F.arrayNode().add(F.arrayNode().add(1));
        };
    }

    private Mutant dtype(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String t = someTensor(s, rnd);
        JsonNode v;
        String[] names = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "f32", "",
            "F32 ", "C64"};
        v = rnd.nextInt(4) == 0 ? weird(rnd) : F.textNode(names[rnd.nextInt(names.length)]);
        ((ObjectNode) h.get(t)).set("dtype", v);
        return rebuilt(s, h, "dtype " + v, t);
    }

    private Mutant shape(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String t = someTensor(s, rnd);
        ObjectNode e = (ObjectNode) h.get(t);
        ArrayNode shape = ((ArrayNode) e.get("shape")).deepCopy();
        String what;
        int k = rnd.nextInt(8);
        if (k == 0 || shape.isEmpty()) {
            shape.add(rnd.nextInt(4));
            what = "dim added";
        } else if (k == 1) {
            shape.remove(rnd.nextInt(shape.size()));
            what = "dim removed";
        } else if (k == 2) {
            int i = rnd.nextInt(shape.size());
            shape.set(i, F.numberNode(shape.get(i).asLong() + (rnd.nextBoolean() ? 1 : -1)));
            what = "dim off by one";
        } else if (k == 3) {
            shape.set(rnd.nextInt(shape.size()), F.numberNode(1L << (31 + rnd.nextInt(32))));
            what = "dim huge";
        } else if (k == 4) {
            shape.set(rnd.nextInt(shape.size()), F.numberNode(-1 - rnd.nextInt(3)));
            what = "dim negative";
        } else if (k == 5) {
            shape.set(rnd.nextInt(shape.size()), weird(rnd));
            what = "dim of another type";
        } else if (k == 6) {
            e.set("shape", weird(rnd));
            return rebuilt(s, h, "shape of another type", t);
        } else {
            for (int i = 0; i < 40; i++) {
                shape.add(2);
            }
            what = "40 more dims";
        }
        e.set("shape", shape);
        return rebuilt(s, h, "shape " + what, t);
    }

    private Mutant offsets(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String t = someTensor(s, rnd);
        ObjectNode e = (ObjectNode) h.get(t);
        ArrayNode o = ((ArrayNode) e.get("data_offsets")).deepCopy();
        int i = rnd.nextInt(2);
        String what;
        switch (rnd.nextInt(7)) {
            case 0 -> {
                o.set(i, F.numberNode(o.get(i).asLong() + rnd.nextInt(9) - 4));
                what = "moved a little";
            }
            case 1 -> {
                o.set(i, F.numberNode(Long.MAX_VALUE - rnd.nextInt(10)));
                what = "huge";
            }
            case 2 -> {
                o.set(i, F.numberNode(-1 - rnd.nextInt(100)));
                what = "negative";
            }
            case 3 -> {
                JsonNode a = o.get(0);
                o.set(0, o.get(1));
                o.set(1, a);
                what = "swapped";
            }
            case 4 -> {
                o.add(0);
                what = "three numbers";
            }
            case 5 -> {
                o.set(i, weird(rnd));
                what = "of another type";
            }
            default -> {
                e.set("data_offsets", weird(rnd));
                return rebuilt(s, h, "data_offsets not a list", t);
            }
        }
        e.set("data_offsets", o);
        return rebuilt(s, h, "data_offsets " + what, t);
    }

    private Mutant missingField(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String t = someTensor(s, rnd);
        String[] fields = {"dtype", "shape", "data_offsets"};
        String f = fields[rnd.nextInt(3)];
        ((ObjectNode) h.get(t)).remove(f);
        return rebuilt(s, h, "missing " + f, t);
    }

    private Mutant entryType(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String t = someTensor(s, rnd);
        h.set(t, weird(rnd));
        return rebuilt(s, h, "entry not an object", t);
    }

    private Mutant overlap(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        String a = someTensor(s, rnd);
        String b = someTensor(s, rnd);
        if (a.equals(b) || h.get(a).get("data_offsets").get(1).asLong() == h.get(a).get("data_offsets").get(0).asLong()) {
            return flipDataBytes(s, rnd);
        }
        // b takes a's range (and a's dtype and shape, so that its byte count still fits)
        ((ObjectNode) h.get(b)).setAll(((ObjectNode) h.get(a)).deepCopy());
        return rebuilt(s, h, "overlap", b);
    }

    private Mutant duplicateKey(Seed s, Random rnd) {
        String t = someTensor(s, rnd);
        String json = s.header().toString();
        String entry = "\"" + t + "\":" + s.header().get(t).toString();
        String dup = json.replace(entry, entry + "," + entry);
        return withHeader(s, dup.getBytes(StandardCharsets.UTF_8), s.headerLen(), "duplicate key", null);
    }

    private Mutant headerLength(Seed s, Random rnd) {
        byte[] b = s.bytes().clone();
        long n = switch (rnd.nextInt(5)) {
            case 0 -> s.headerLen() + rnd.nextInt(17) - 8;
            case 1 -> rnd.nextLong();
            case 2 -> 0;
            case 3 -> b.length;
            default -> 100L * 1024 * 1024 + rnd.nextInt(1000);
        };
        ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
        return new Mutant(b, "header length " + n, null);
    }

    private Mutant truncate(Seed s, Random rnd) {
        int len = rnd.nextInt(s.bytes().length);
        return new Mutant(Arrays.copyOf(s.bytes(), len), "truncated to " + len, null);
    }

    private Mutant flipHeaderBytes(Seed s, Random rnd) {
        byte[] b = s.bytes().clone();
        int flips = 1 + rnd.nextInt(4);
        for (int k = 0; k < flips; k++) {
            int i = 8 + rnd.nextInt((int) s.headerLen());
            b[i] = (byte) (rnd.nextBoolean() ? b[i] ^ (1 << rnd.nextInt(8)) : rnd.nextInt(256));
        }
        return new Mutant(b, "header bytes flipped", null);
    }

    private Mutant flipDataBytes(Seed s, Random rnd) {
        byte[] b = s.bytes().clone();
        int start = (int) (8 + s.headerLen());
        if (b.length > start) {
            for (int k = 0; k < 1 + rnd.nextInt(8); k++) {
                int i = start + rnd.nextInt(b.length - start);
                b[i] = (byte) rnd.nextInt(256);
            }
        }
        return new Mutant(b, "data bytes changed", null);
    }

    private Mutant nonUtf8(Seed s, Random rnd) {
        String t = someTensor(s, rnd);
        String json = s.header().toString();
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        byte[] name = ("\"" + t + "\"").getBytes(StandardCharsets.UTF_8);
        int at = indexOf(head, name) + 1 + rnd.nextInt(Math.max(1, name.length - 2));
        byte[][] invalid = {{(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xC3, (byte) 0x28}, {(byte) 0xED, (byte) 0xA0,
            (byte) 0x80}};
        byte[] bad = invalid[rnd.nextInt(invalid.length)];
        byte[] out = new byte[head.length + bad.length];
        System.arraycopy(head, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(head, at, out, at + bad.length, head.length - at);
        return withHeader(s, out, s.headerLen(), "non-UTF-8 byte in a name", null);
    }

    private Mutant metadata(Seed s, Random rnd) {
        ObjectNode h = s.header().deepCopy();
        switch (rnd.nextInt(3)) {
            case 0 -> h.set("__metadata__", weird(rnd));
            case 1 -> h.putObject("__metadata__").set("format", weird(rnd));
            default -> h.putObject("__metadata__").put("format", "pt").put("note", "ünïcödé ✓");
        }
        return rebuilt(s, h, "metadata", null);
    }

    /** The header re-serialised (and re-padded), the data as it was. */
    private Mutant rebuilt(Seed s, ObjectNode header, String mutation, String tensor) {
        return withHeader(s, header.toString().getBytes(StandardCharsets.UTF_8), s.headerLen(), mutation, tensor);
    }

    private static Mutant withHeader(Seed s, byte[] head, long oldLen, String mutation, String tensor) {
        int padded = (head.length + 7) / 8 * 8;
        byte[] data = Arrays.copyOfRange(s.bytes(), (int) (8 + oldLen), s.bytes().length);
        byte[] out = new byte[8 + padded + data.length];
        ByteBuffer.wrap(out, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(head, 0, out, 8, head.length);
        Arrays.fill(out, 8 + head.length, 8 + padded, (byte) ' ');
        System.arraycopy(data, 0, out, 8 + padded, data.length);
        return new Mutant(out, mutation, tensor);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return 0;
    }

    /** For the report: a header of the seed, to show what is mutated. */
    static String describeSeeds(SafetensorsFuzz f) {
        StringBuilder sb = new StringBuilder();
        for (Seed s : f.seeds) {
            int n = 0;
            for (Iterator<String> it = s.header().fieldNames(); it.hasNext(); it.next()) {
                n++;
            }
            sb.append(sb.length() == 0 ? "" : ", ").append(s.name()).append(" (").append(n).append(" entries)");
        }
        return sb.toString();
    }
}
