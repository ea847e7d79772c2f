package org.pefttrainer.eval.rouge;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.UserException;

/**
 * Reads a JSONL file of {@code {"prediction": "...", "reference": "..." | ["...", ...]}} one pair per line (other
 * fields are ignored). Any line that is not such an object is a {@link UserException} naming file and line.
 */
public final class RougePairReader implements Closeable {
    private final Path file;
    private final BufferedReader in;
    private int lineNumber;

    public RougePairReader(Path file) {
        this.file = file;
        try {
            this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserException(file + ": no such file (expected JSONL of prediction/reference pairs)");
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** All pairs of {@code file}, in order. */
    public static List<RougePair> readAll(Path file) {
        List<RougePair> pairs = new ArrayList<>();
        try (RougePairReader reader = new RougePairReader(file)) {
            for (RougePair p = reader.next(); p != null; p = reader.next()) {
                pairs.add(p);
            }
        }
        return pairs;
    }

    /** The next pair, or null at the end of the file. */
    public RougePair next() {
        String line;
        try {
            line = in.readLine();
        } catch (CharacterCodingException e) {
            throw new UserException(file + " line " + (lineNumber + 1) + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (line == null) {
            return null;
        }
        lineNumber++;
        return parse(line, file + " line " + lineNumber);
    }

    /** The number of the line {@link #next()} read last (1-based). */
    public int lineNumber() {
        return lineNumber;
    }

    /** Parses one line; {@code where} (e.g. "pairs.jsonl line 7") starts the error message. */
    static RougePair parse(String line, String where) {
        if (line.isBlank()) {
            throw new UserException(where + ": empty line; expected one JSON object per line");
        }
        JsonNode node;
        try {
            node = RougeJson.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UserException(where + ": not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw new UserException(where + ": expected a JSON object with \"prediction\" and \"reference\"");
        }
        JsonNode prediction = node.get("prediction");
        if (prediction == null || !prediction.isTextual()) {
            throw new UserException(where + ": \"prediction\" must be a string");
        }
        JsonNode reference = node.get("reference");
        List<String> references = new ArrayList<>();
        if (reference != null && reference.isTextual()) {
            references.add(reference.textValue());
        } else if (reference != null && reference.isArray() && !reference.isEmpty()) {
            for (JsonNode r : reference) {
                if (!r.isTextual()) {
                    throw new UserException(where + ": \"reference\" list must hold only strings");
                }
                references.add(r.textValue());
            }
        } else {
            throw new UserException(where + ": \"reference\" must be a string or a non-empty list of strings");
        }
        return new RougePair(prediction.textValue(), references);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
