package org.pefttrainer.core.io.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pefttrainer.core.UserException;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.pefttrainer.core.io.Json;
import org.pefttrainer.core.io.safetensors.DType;
import org.pefttrainer.core.io.safetensors.SafetensorsWriter;

/**
 * Writes model weights as save_pretrained does: one model.safetensors, or, above {@code maxShardBytes},
 * model-0000N-of-0000M.safetensors shards plus model.safetensors.index.json (metadata.total_size and a sorted
 * weight_map). Tensors are produced lazily, one shard at a time, so the whole model never sits in memory.
 */
public final class HfCheckpointWriter {
    /**
     * A tensor to write: fp32 values produced on demand, stored as the writer's dtype. When the tensor's bytes are
     * already at hand in some dtype ({@code storedType}, {@code storedBytes}, e.g. an unchanged tensor of another
     * checkpoint) and that is the output dtype, they are copied as they are and the values are never made.
     */
    public record Tensor(String name, long[] shape, Supplier<FloatBuffer> values, DType storedType,
            SafetensorsWriter.TensorData storedBytes) {
        public Tensor(String name, long[] shape, Supplier<FloatBuffer> values) {
            this(name, shape, values, null, null);
        }

        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private HfCheckpointWriter() {}

    /** Writes the tensors into {@code dir} (which must exist) and returns the file names written. */
    public static List<String> write(Path dir, List<Tensor> tensors, DType dtype, long maxShardBytes) {
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long currentBytes = 0;
        long total = 0;
        for (Tensor t : tensors) {
            long bytes = t.elements() * dtype.bytes();
            total += bytes;
            if (!current.isEmpty() && maxShardBytes > 0 && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(t);
            currentBytes += bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        List<String> names = new ArrayList<>();
        if (shards.size() == 1) {
            writeShard(dir.resolve(HfModelFolder.SINGLE_WEIGHTS), shards.get(0), dtype);
            names.add(HfModelFolder.SINGLE_WEIGHTS);
            return names;
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            writeShard(dir.resolve(name), shards.get(i), dtype);
            for (Tensor t : shards.get(i)) {
                weightMap.put(t.name(), name);
            }
            names.add(name);
        }
        ObjectNode index = Json.MAPPER.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        Json.write(dir.resolve(HfModelFolder.INDEX), index);
        names.add(HfModelFolder.INDEX);
        return names;
    }

    private static void writeShard(Path file, List<Tensor> tensors, DType dtype) {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Tensor t : tensors) {
            if (t.storedBytes() != null && t.storedType() == dtype) {
                w.add(t.name(), dtype, t.shape(), t.storedBytes());
            } else {
                w.addFloats(t.name(), dtype, t.shape(), t.values());
            }
        }
        w.write(file);
    }

    /** A --max-shard-size value as save_pretrained reads it: 500MB, 2GB (powers of 1000), 1GiB (of 1024), bytes. */
    public static long parseShardSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        for (String[] unit : new String[][] {{"GB", "1000000000"}, {"MB", "1000000"}, {"KB", "1000"}, {"GIB", "1073741824"},
                {"MIB", "1048576"}, {"KIB", "1024"}, {"B", "1"}}) {
            if (t.endsWith(unit[0])) {
                mult = Long.parseLong(unit[1]);
                t = t.substring(0, t.length() - unit[0].length()).trim();
                break;
            }
        }
        try {
            return (long) (Double.parseDouble(t) * mult);
        } catch (NumberFormatException e) {
            throw new UserException("size '" + s + "' is not valid (e.g. 500MB, 2GB)");
        }
    }
}
