package org.pefttrainer.core.io.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.HalfFloats;

/**
 * Reads a tensor state dict saved by {@code torch.save} (PyTorch's zip format: {@code <name>/data.pkl} and one
 * storage file per tensor under {@code <name>/data/}), as older PEFT versions and many Hub adapters ship
 * {@code adapter_model.bin}. The pickle is interpreted here, never executed: a strict allow-list admits only what a
 * state dict of tensors needs (dict and {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 * the typed storage classes) and the opcodes that build them. A pickle that asks for any other global, uses any
 * other opcode or points outside its storages is a one-line {@link UserException} naming the file and what it asked
 * for. Values are widened to fp32 (bf16 and fp16 included).
 */
public final class TorchStateDict {
    /** A tensor read from the file: its dtype as stored, its shape, its values as fp32 (row-major). */
    public record Tensor(DType dtype, long[] shape, float[] values) {}

    private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int MAX_STACK = 1 << 16;
    private static final Map<String, DType> STORAGES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private final Path path;
    private final Map<String, Tensor> tensors;

    private TorchStateDict(Path path, Map<String, Tensor> tensors) {
        this.path = path;
        this.tensors = tensors;
    }

    public Path path() {
        return path;
    }

    /** Key → tensor, in the file's order (unmodifiable). */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Reads and checks the whole file. */
    public static TorchStateDict read(Path path) {
        try (ZipFile zip = new ZipFile(path.toFile())) {
            ZipEntry pkl = null;
            for (var it = zip.entries(); it.hasMoreElements();) {
                ZipEntry e = it.nextElement();
                if (e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - 9) {
                    if (pkl != null) {
                        throw new UserException(path + ": two data.pkl records in one torch.save archive");
                    }
                    pkl = e;
                }
            }
            if (pkl == null) {
                throw new UserException(path + ": not a torch.save zip archive (no <name>/data.pkl record)");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle = readEntry(zip, pkl, path, 64L << 20);
            Object root = new Unpickler(path, pickle, key -> {
                ZipEntry e = zip.getEntry(prefix + "data/" + key);
                if (e == null) {
                    throw new UserException(path + ": the pickle refers to storage " + quoted(key) + ", which the archive "
                            + "does not hold");
                }
                return e;
            }, zip).load();
            if (!(root instanceof Map<?, ?> map)) {
                throw new UserException(path + ": holds " + describe(root) + ", expected a state dict (a dict of "
                        + "tensors)");
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String k)) {
                    throw new UserException(path + ": a state dict key is " + describe(e.getKey()) + ", expected a "
                            + "string");
                }
                if (k.chars().anyMatch(c -> isControl((char) c))) {
                    // every later message names the key: a line break in it would split the one-line error
                    throw new UserException(path + ": state dict key " + quoted(k) + " holds a control character");
                }
                if (!(e.getValue() instanceof Tensor t)) {
                    throw new UserException(path + ": " + quoted(k) + " is " + describe(e.getValue()) + ", expected a tensor");
                }
                out.put(k, t);
            }
            return new TorchStateDict(path, Collections.unmodifiableMap(out));
        } catch (java.util.zip.ZipException e) {
            throw new UserException(path + ": not a readable torch.save zip archive (" + e.getMessage() + "); the "
                    + "legacy pre-1.6 format is not read either");
        } catch (IOException e) {
            throw new UserException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static byte[] readEntry(ZipFile zip, ZipEntry e, Path path, long limit) throws IOException {
        if (e.getSize() > limit) {
            throw new UserException(path + ": record " + e.getName() + " is " + e.getSize() + " bytes, over the limit "
                    + limit);
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (b.length > limit) {
                throw new UserException(path + ": record " + e.getName() + " is over the limit of " + limit + " bytes");
            }
            return b;
        }
    }

    /**
     * A string from the file in single quotes, line breaks and other control characters escaped (\\n, \\uXXXX): the
     * pickle's keys and names end up in one-line error messages.
     */
    static String quoted(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            if (c == '\\' || c == '\'') {
                b.append('\\').append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (isControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    /** A character that breaks or garbles a line of text: C0/C1 controls, Unicode line and paragraph separators. */
    static boolean isControl(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }

    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Tensor) {
            return "a tensor";
        }
        if (o instanceof Map) {
            return "a dict";
        }
        if (o instanceof List) {
            return "a tuple or list";
        }
        return "a " + o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** The typed storage class of a persistent id: element type. */
    record StorageType(String name, DType dtype) {}

    /** A loaded storage: its element type and raw little-endian bytes. */
    record Storage(DType dtype, ByteBuffer bytes, long numel) {}

    /** A global the allow-list admits. */
    enum Global { ORDERED_DICT, REBUILD_TENSOR_V2 }

    /** The pickle virtual machine, restricted to the opcodes torch.save writes for a state dict. */
    private static final class Unpickler {
        private static final Object MARK = new Object();
        private final Path path;
        private final ByteBuffer in;
        private final java.util.function.Function<String, ZipEntry> storageEntry;
        private final ZipFile zip;
        private final List<Object> stack = new ArrayList<>();
        private final Map<Integer, Object> memo = new HashMap<>();
        private final Map<String, Storage> storages = new HashMap<>();

        Unpickler(Path path, byte[] pickle, java.util.function.Function<String, ZipEntry> storageEntry, ZipFile zip) {
            this.path = path;
            this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
            this.storageEntry = storageEntry;
            this.zip = zip;
        }

        private UserException bad(String what) {
            return new UserException(path + ": data.pkl " + what + " (at byte " + in.position() + ")");
        }

        Object load() throws IOException {
            while (true) {
                if (!in.hasRemaining()) {
                    throw bad("ends without STOP");
                }
                int op = in.get() & 0xff;
                switch (op) {
                    case 0x80 -> { // PROTO
                        int v = u8();
                        if (v > 5) {
                            throw bad("uses pickle protocol " + v);
                        }
                    }
                    case 0x95 -> skip(8); // FRAME (protocol 4): the frame length only
                    case '.' -> { // STOP
                        if (stack.size() != 1) {
                            throw bad("stops with " + stack.size() + " values on the stack");
                        }
                        return stack.get(0);
                    }
                    case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                    case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                    case ')' -> push(List.of()); // EMPTY_TUPLE
                    case '(' -> push(MARK);
                    case 'N' -> push(null);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'K' -> push((long) u8()); // BININT1
                    case 'M' -> push((long) (u16() & 0xffff)); // BININT2
                    case 'J' -> push((long) i32()); // BININT
                    case 0x8a -> push(long1()); // LONG1
                    case 'G' -> push(ByteBuffer.wrap(bytes(8)).getDouble()); // BINFLOAT (big-endian)
                    case 'X' -> push(utf8(len32())); // BINUNICODE
                    case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                    case 'q' -> memo.put(u8(), peek()); // BINPUT
                    case 'r' -> memo.put(len32(), peek()); // LONG_BINPUT
                    case 0x94 -> memo.put(memo.size(), peek()); // MEMOIZE
                    case 'h' -> push(memoGet(u8())); // BINGET
                    case 'j' -> push(memoGet(len32())); // LONG_BINGET
                    case 't' -> push(tuple(popMark().toArray())); // TUPLE
                    case 0x85 -> push(tuple(pop())); // TUPLE1
                    case 0x86 -> {
                        Object b = pop();
                        push(tuple(pop(), b));
                    }
                    case 0x87 -> {
                        Object c = pop();
                        Object b = pop();
                        push(tuple(pop(), b, c));
                    }
                    case 'c' -> push(global(line(), line())); // GLOBAL
                    case 0x93 -> { // STACK_GLOBAL
                        Object name = pop();
                        Object module = pop();
                        if (!(module instanceof String m) || !(name instanceof String n)) {
                            throw bad("has a STACK_GLOBAL without module and name strings");
                        }
                        push(global(m, n));
                    }
                    case 'Q' -> push(persistent(pop())); // BINPERSID
                    case 'R' -> { // REDUCE
                        Object args = pop();
                        push(reduce(pop(), args));
                    }
                    case 'b' -> { // BUILD: only an OrderedDict's state (torch's _metadata), which is dropped
                        pop();
                        if (!(peek() instanceof Map)) {
                            throw bad("sets the state of " + describe(peek()) + " (BUILD)");
                        }
                    }
                    case 's' -> { // SETITEM
                        Object v = pop();
                        Object k = pop();
                        dict(peek()).put(k, v);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> items = popMark();
                        if (items.size() % 2 != 0) {
                            throw bad("has SETITEMS with an odd number of values");
                        }
                        Map<Object, Object> d = dict(peek());
                        for (int i = 0; i < items.size(); i += 2) {
                            d.put(items.get(i), items.get(i + 1));
                        }
                    }
                    case 'a' -> { // APPEND
                        Object v = pop();
                        list(peek()).add(v);
                    }
                    case 'e' -> { // APPENDS
                        List<Object> items = popMark();
                        list(peek()).addAll(items);
                    }
                    default -> throw bad(String.format("uses pickle opcode 0x%02x, which a tensor state dict never needs",
                            op));
                }
            }
        }

        private Object global(String module, String name) {
            String g = module + "." + name; // compared as is, quoted (escaped) when shown
            if (g.equals("collections.OrderedDict")) {
                return Global.ORDERED_DICT;
            }
            if (g.equals("torch._utils._rebuild_tensor_v2")) {
                return Global.REBUILD_TENSOR_V2;
            }
            if (module.equals("torch") && STORAGES.containsKey(name)) {
                return new StorageType(name, STORAGES.get(name));
            }
            throw new UserException(path + ": data.pkl asks for the Python global " + quoted(g) + ", which is not on the "
                    + "allow-list of a tensor state dict (OrderedDict, torch._utils._rebuild_tensor_v2, torch.*Storage); "
                    + "refusing to load it");
        }

        private Object reduce(Object callable, Object args) throws IOException {
            if (!(args instanceof List<?> a)) {
                throw bad("calls " + describe(callable) + " with " + describe(args) + " instead of an argument tuple");
            }
            if (callable == Global.ORDERED_DICT) {
                if (!a.isEmpty()) {
                    throw bad("calls OrderedDict with arguments");
                }
                return new LinkedHashMap<>();
            }
            if (callable == Global.REBUILD_TENSOR_V2) {
                return rebuild(a);
            }
            throw bad("calls " + describe(callable) + " (REDUCE), which is not callable here");
        }

        /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
        private Tensor rebuild(List<?> a) {
            if (a.size() < 6 || !(a.get(0) instanceof Storage s) || !(a.get(1) instanceof Long offset)
                    || !(a.get(2) instanceof List<?> size) || !(a.get(3) instanceof List<?> stride)
                    || size.size() != stride.size()) {
                throw bad("rebuilds a tensor from arguments that are not (storage, offset, size, stride, ...)");
            }
            int n = size.size();
            long[] shape = new long[n];
            long[] strides = new long[n];
            long numel = 1;
            long last = offset;
            for (int i = 0; i < n; i++) {
                if (!(size.get(i) instanceof Long d) || !(stride.get(i) instanceof Long st) || d < 0 || st < 0) {
                    throw bad("has a tensor size or stride that is not a non-negative integer: " + size + ", " + stride);
                }
                shape[i] = d;
                strides[i] = st;
                if (d > 0 && numel > MAX_ELEMENTS / d) {
                    throw bad("has a tensor of shape " + size + ", over the size limit");
                }
                numel *= d;
                if (d > 0) {
                    try {
                        last = Math.addExact(last, Math.multiplyExact(d - 1, st));
                    } catch (ArithmeticException e) {
                        throw bad("has a tensor stride " + stride + " past any storage");
                    }
                }
            }
            if (offset < 0 || (numel > 0 && last >= s.numel())) {
                throw bad("has a tensor of shape " + size + " (offset " + offset + ", stride " + stride + ") reaching "
                        + "past its storage of " + s.numel() + " elements");
            }
            float[] values = new float[(int) numel];
            long[] idx = new long[n];
            for (int k = 0; k < values.length; k++) {
                long pos = offset;
                for (int i = 0; i < n; i++) {
                    pos += idx[i] * strides[i];
                }
                values[k] = element(s, pos);
                for (int i = n - 1; i >= 0; i--) {
                    if (++idx[i] < shape[i]) {
                        break;
                    }
                    idx[i] = 0;
                }
            }
            return new Tensor(s.dtype(), shape, values);
        }

        private static float element(Storage s, long pos) {
            ByteBuffer b = s.bytes();
            int i = (int) (pos * s.dtype().bytes());
            return switch (s.dtype()) {
                case F32 -> b.getFloat(i);
                case F64 -> (float) b.getDouble(i);
                case F16 -> HalfFloats.f16ToFloat(b.getShort(i));
                case BF16 -> HalfFloats.bf16ToFloat(b.getShort(i));
                case I64 -> b.getLong(i);
                case I32 -> b.getInt(i);
                case I16 -> b.getShort(i);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
                default -> throw new IllegalStateException(s.dtype().toString());
            };
        }

        /** ('storage', storage_type, key, location, numel) → the loaded storage (each key read once). */
        private Storage persistent(Object pid) throws IOException {
            if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))
                    || !(t.get(1) instanceof StorageType type) || !(t.get(2) instanceof String key)
                    || !(t.get(4) instanceof Long numel) || numel < 0) {
                throw bad("has a persistent id that is not ('storage', torch.*Storage, key, location, numel)");
            }
            Storage cached = storages.get(key);
            if (cached != null) {
                if (cached.dtype() != type.dtype()) {
                    throw bad("reads storage " + quoted(key) + " as two element types");
                }
                return cached;
            }
            ZipEntry e = storageEntry.apply(key);
            long bytes = numel > Integer.MAX_VALUE ? Long.MAX_VALUE : numel * type.dtype().bytes();
            if (bytes > Integer.MAX_VALUE - 8) {
                throw bad("has storage " + quoted(key) + " of " + numel + " elements, over the size limit");
            }
            byte[] data = readEntry(zip, e, path, bytes);
            if (data.length != bytes) {
                throw new UserException(path + ": storage " + quoted(key) + " holds " + data.length + " bytes, but data.pkl "
                        + "says " + numel + " " + type.name() + " elements (" + bytes + " bytes)");
            }
            Storage s = new Storage(type.dtype(), ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), numel);
            storages.put(key, s);
            return s;
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object o) {
            if (!(o instanceof LinkedHashMap<?, ?> m)) {
                throw bad("sets an item of " + describe(o));
            }
            return (Map<Object, Object>) m;
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object o) {
            if (!(o instanceof ArrayList<?> l)) {
                throw bad("appends to " + describe(o));
            }
            return (List<Object>) l;
        }

        private void push(Object o) {
            if (stack.size() >= MAX_STACK) {
                throw bad("is nested deeper than " + MAX_STACK);
            }
            stack.add(o);
        }

        private Object pop() {
            if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
                throw bad("pops from an empty stack");
            }
            return stack.remove(stack.size() - 1);
        }

        private Object peek() {
            if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
                throw bad("reads from an empty stack");
            }
            return stack.get(stack.size() - 1);
        }

        private List<Object> popMark() {
            int m = stack.lastIndexOf(MARK);
            if (m < 0) {
                throw bad("closes a MARK that was never opened");
            }
            List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
            stack.subList(m, stack.size()).clear();
            return items;
        }

        private Object memoGet(int i) {
            if (!memo.containsKey(i)) {
                throw bad("reads memo " + i + ", which was never stored");
            }
            return memo.get(i);
        }

        private int u8() {
            need(1);
            return in.get() & 0xff;
        }

        /** A Python tuple: immutable, and unlike List.of it may hold None. */
        private static List<Object> tuple(Object... items) {
            return Collections.unmodifiableList(java.util.Arrays.asList(items));
        }

        private int u16() {
            need(2);
            return in.getShort();
        }

        private int i32() {
            need(4);
            return in.getInt();
        }

        private int len32() {
            int n = i32();
            if (n < 0) {
                throw bad("has a negative length " + n);
            }
            return n;
        }

        private long long1() {
            int n = u8();
            if (n > 8) {
                throw bad("has an integer of " + n + " bytes");
            }
            byte[] b = bytes(n);
            long v = 0;
            for (int i = n - 1; i >= 0; i--) {
                v = (v << 8) | (b[i] & 0xff);
            }
            if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
                v -= 1L << (8 * n);
            }
            return v;
        }

        private byte[] bytes(int n) {
            need(n);
            byte[] b = new byte[n];
            in.get(b);
            return b;
        }

        private void skip(int n) {
            need(n);
            in.position(in.position() + n);
        }

        private void need(int n) {
            if (in.remaining() < n) {
                throw bad("is truncated");
            }
        }

        private String utf8(int n) {
            try {
                return TextFiles.strictDecoder().decode(ByteBuffer.wrap(bytes(n))).toString();
            } catch (CharacterCodingException e) {
                throw bad("has a string that is not UTF-8");
            }
        }

        private String line() {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c = u8();
                if (c == '\n') {
                    return sb.toString();
                }
                if (c < 0x20 || c > 0x7e || sb.length() > 256) {
                    throw bad("has a malformed GLOBAL name");
                }
                sb.append((char) c);
            }
        }
    }
}
