package org.pefttrainer.core.data.read;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.io.TextFiles;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;
import org.pefttrainer.core.data.Split;

/**
 * CSV with a header row naming the columns ({@code id, dialogue, summary}, optionally {@code topic}); quoted
 * fields may span lines, as dialogues do.
 */
public final class CsvReader implements DatasetReader {
    static final String EXTENSION = ".csv";
    private static final CsvMapper CSV = new CsvMapper();

    private final Path path;
    private final RecordMapper mapper;

    public CsvReader(Path path, ReferenceConvention convention) {
        this.path = path;
        this.mapper = new RecordMapper(convention);
    }

    @Override
    public List<Example> read(Split split) {
        Path file = SplitFiles.find(path, split, EXTENSION);
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        List<Example> examples = new ArrayList<>();
        try (Reader in = TextFiles.strictReader(file);
                MappingIterator<Map<String, String>> rows =
                        CSV.readerFor(Map.class).with(schema).readValues(in)) {
            long row = 0;
            while (rows.hasNextValue()) {
                String where = file + ":" + rows.getCurrentLocation().getLineNr();
                Map<String, String> fields = rows.nextValue();
                fields.remove("");  // an unnamed index column, as pandas' to_csv writes
                examples.addAll(mapper.map(stripBom(fields), where, row++));
            }
        } catch (RuntimeJsonMappingException e) {
            throw new UserException(file + ": malformed CSV (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw TextFiles.notUtf8(file);
        } catch (IOException e) {
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                throw new UserException(file + ": malformed CSV ("
                        + ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage() + ")", e);
            }
            throw TextFiles.cannotRead(file, "dataset file", e);
        }
        return examples;
    }

    private static Map<String, String> stripBom(Map<String, String> fields) {
        String bomKey = null;
        for (String k : fields.keySet()) {
            if (k.startsWith("\uFEFF")) {
                bomKey = k;
            }
        }
        if (bomKey != null) {
            fields.put(bomKey.substring(1), fields.remove(bomKey));
        }
        return fields;
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
