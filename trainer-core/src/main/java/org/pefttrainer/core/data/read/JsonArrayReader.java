package org.pefttrainer.core.data.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;

/** A JSON file holding one array of objects, as the official SAMSum release ({@code train.json} etc.). */
public final class JsonArrayReader implements DatasetReader {
    static final String EXTENSION = ".json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final RecordMapper mapper;

    public JsonArrayReader(Path path, ReferenceConvention convention) {
        this.path = path;
        this.mapper = new RecordMapper(convention);
    }

    @Override
    public List<Example> read(Split split) {
        Path file = SplitFiles.find(path, split, EXTENSION);
        JsonNode root;
        try {
            root = JSON.readTree(TextFiles.readUtf8(file, "dataset file"));
        } catch (JsonProcessingException e) {
            throw new UserException(file + ": not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ")", e);
        } catch (IOException e) {
            throw TextFiles.cannotRead(file, "dataset file", e);
        }
        if (root == null || !root.isArray()) {
            throw new UserException(file + ": expected a JSON array of {id, dialogue, summary} objects");
        }
        List<Example> examples = new ArrayList<>(root.size());
        for (int i = 0; i < root.size(); i++) {
            String where = file + " [" + i + "]";
            examples.addAll(mapper.map(JsonFields.of(root.get(i), where), where, i));
        }
        return examples;
    }

    @Override
    public Set<Split> splits() {
        return SplitFiles.available(path, EXTENSION);
    }

    @Override
    public Path path() {
        return path;
    }
}
