package org.pefttrainer.core.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dataset as Hugging Face {@code datasets.save_to_disk} writes it: a folder with {@code dataset_dict.json}
 * listing the splits, one sub-folder per split with {@code state.json} (whose {@code _data_files} names the Arrow
 * files, in order), {@code dataset_info.json} and the Arrow files (IPC stream format; the IPC file format is read
 * too). The path may also be one split's folder (the one with {@code state.json}), which then serves every split.
 * Columns are read by name ({@code id}, {@code dialogue}, {@code summary}, ...) as for the other formats.
 */
public final class HfDiskReader implements DatasetReader {
    private static final Logger LOG = LoggerFactory.getLogger(HfDiskReader.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] FILE_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};

    private final Path path;
    private final RecordMapper mapper;

    public HfDiskReader(Path path, ReferenceConvention convention) {
        this.path = path;
        this.mapper = new RecordMapper(convention);
    }

    /** True if {@code folder} looks like a {@code save_to_disk} dataset dict or single split. */
    public static boolean looksLikeOne(Path folder) {
        return Files.isRegularFile(folder.resolve("dataset_dict.json")) || Files.isRegularFile(folder.resolve("state.json"));
    }

    @Override
    public List<Example> read(Split split) {
        Path splitDir = splitFolder(split);
        List<Example> examples = new ArrayList<>();
        long records = 0;
        for (Path file : dataFiles(splitDir)) {
            records = readArrow(file, examples, records);
        }
        checkCount(splitDir, records);
        return examples;
    }

    @Override
    public Set<Split> splits() {
        if (Files.isRegularFile(path.resolve("state.json"))) {
            return EnumSet.allOf(Split.class);
        }
        Set<Split> found = EnumSet.noneOf(Split.class);
        for (String name : splitNames()) {
            for (Split s : Split.values()) {
                if (s.matches(name)) {
                    found.add(s);
                }
            }
        }
        return found;
    }

    @Override
    public Path path() {
        return path;
    }

    private Path splitFolder(Split split) {
        if (Files.isRegularFile(path.resolve("state.json"))) {
            return path;
        }
        if (!Files.isRegularFile(path.resolve("dataset_dict.json"))) {
            throw new UserException("dataset path " + path
                    + " is not a Hugging Face save_to_disk folder: no dataset_dict.json or state.json");
        }
        List<String> names = splitNames();
        for (String name : names) {
            if (split.matches(name)) {
                return path.resolve(name);
            }
        }
        throw new UserException(path.resolve("dataset_dict.json") + " has no " + split.canonicalName()
                + " split (splits: " + String.join(", ", names) + ")");
    }

    private List<String> splitNames() {
        Path dict = path.resolve("dataset_dict.json");
        JsonNode splits = readJson(dict).path("splits");
        if (!splits.isArray()) {
            throw new UserException(dict + ": expected a 'splits' array");
        }
        List<String> names = new ArrayList<>();
        splits.forEach(n -> names.add(n.asText()));
        return names;
    }

    private static List<Path> dataFiles(Path splitDir) {
        Path state = splitDir.resolve("state.json");
        JsonNode files = readJson(state).path("_data_files");
        if (!files.isArray() || files.isEmpty()) {
            throw new UserException(state + ": expected a non-empty '_data_files' array of {filename}");
        }
        List<Path> paths = new ArrayList<>();
        for (JsonNode f : files) {
            String name = f.path("filename").asText("");
            Path p = splitDir.resolve(name);
            if (name.isEmpty() || !Files.isRegularFile(p)) {
                throw new UserException(state + ": data file '" + name + "' not found in " + splitDir);
            }
            paths.add(p);
        }
        return paths;
    }

    /** Appends the file's examples to {@code out}; returns the running record count. */
    private long readArrow(Path file, List<Example> out, long recordsBefore) {
        try (BufferAllocator allocator = new RootAllocator();
                ArrowReader reader = open(file, allocator)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            long row = recordsBefore;
            while (reader.loadNextBatch()) {
                List<FieldVector> columns = root.getFieldVectors();
                for (int i = 0; i < root.getRowCount(); i++) {
                    Map<String, String> fields = new LinkedHashMap<>();
                    for (FieldVector v : columns) {
                        Object value = v.getObject(i);  // Text for utf8 / large_utf8, boxed numbers otherwise
                        fields.put(v.getName(), value == null ? "" : value.toString());
                    }
                    String where = file + " row " + row;
                    out.addAll(mapper.map(fields, where, row++));
                }
            }
            return row;
        } catch (IOException e) {
            throw new UserException(file + ": not a readable Arrow IPC file (" + e.getMessage() + ")", e);
        }
    }

    private static ArrowReader open(Path file, BufferAllocator allocator) throws IOException {
        byte[] head = new byte[FILE_MAGIC.length];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n == head.length && java.util.Arrays.equals(head, FILE_MAGIC)) {
                SeekableByteChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                return new ArrowFileReader(channel, allocator);
            }
        }
        // save_to_disk writes the IPC stream format (no ARROW1 magic).
        return new ArrowStreamReader(Files.newInputStream(file), allocator);
    }

    /** dataset_info.json records the split sizes; a mismatch means a partial or stale copy, worth a warning. */
    private static void checkCount(Path splitDir, long records) {
        Path infoFile = splitDir.resolve("dataset_info.json");
        if (!Files.isRegularFile(infoFile)) {
            return;
        }
        String splitName = splitDir.getFileName().toString();
        JsonNode expected = readJson(infoFile).path("splits").path(splitName).path("num_examples");
        if (expected.isNumber() && expected.asLong() != records) {
            LOG.warn("{}: read {} records but dataset_info.json says {} for split {}", splitDir,
                    records, expected.asLong(), splitName);
        }
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserException("missing " + file);
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
