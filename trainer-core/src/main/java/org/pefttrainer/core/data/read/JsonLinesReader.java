package org.pefttrainer.core.data.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;

/**
 * JSON Lines: one object per line (DialogSum's release format, and SAMSum-shaped {@code id, dialogue, summary}).
 * Blank lines are skipped; a missing final newline is fine (DialogSum's train file has none).
 */
public final class JsonLinesReader implements DatasetReader {
    static final String EXTENSION = ".jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final RecordMapper mapper;
    private final String extension;

    public JsonLinesReader(Path path, ReferenceConvention convention) {
        this(path, convention, EXTENSION);
    }

    /** A reader whose split files end in {@code extension} (".json" for JSON Lines written by {@code to_json}). */
    JsonLinesReader(Path path, ReferenceConvention convention, String extension) {
        this.path = path;
        this.mapper = new RecordMapper(convention);
        this.extension = extension;
    }

    @Override
    public List<Example> read(Split split) {
        return readFile(SplitFiles.find(path, split, extension));
    }

    @Override
    public Set<Split> splits() {
        return SplitFiles.available(path, extension);
    }

    @Override
    public Path path() {
        return path;
    }

    List<Example> readFile(Path file) {
        List<Example> examples = new ArrayList<>();
        try (BufferedReader in = TextFiles.strictReader(file)) {
            String line;
            long lineNo = 0;
            long records = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + lineNo;
                try {
                    examples.addAll(mapper.map(JsonFields.of(JSON.readTree(line), where), where, records++));
                } catch (JsonProcessingException e) {
                    throw new UserException(where + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
                }
            }
        } catch (IOException e) {
            throw TextFiles.cannotRead(file, "dataset file", e);
        }
        return examples;
    }
}
