package org.pefttrainer.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.UserException;

/**
 * Lenient reading of the run folder's JSON files: the report must show whatever a run (possibly still writing, or
 * killed mid-line) left behind, so a bad line is counted instead of failing the page. Non-finite numbers are
 * accepted both bare ({@code NaN}) and quoted ({@code "NaN"}, as Jackson writes them by default).
 */
final class JsonLines {
    static final JsonMapper MAPPER = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /**
     * The first JSON objects of a JSONL file.
     *
     * @param unreadable non-blank lines, among those read, that were not JSON objects
     * @param nonBlank   every non-blank line of the file, read or not
     */
    record Parsed(List<JsonNode> objects, int unreadable, long nonBlank) {}

    private JsonLines() {}

    /** Parses lines until {@code limit} objects are found; counts the rest without parsing them. */
    static Parsed read(Path file, int limit) {
        List<JsonNode> objects = new ArrayList<>();
        int unreadable = 0;
        long nonBlank = 0;
        // an InputStreamReader given a Charset replaces malformed UTF-8 instead of throwing (Files.newBufferedReader
        // would throw): one bad byte must not hide the whole file
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                nonBlank++;
                if (objects.size() >= limit) {
                    continue;
                }
                JsonNode node = parse(line);
                if (node != null && node.isObject()) {
                    objects.add(node);
                } else {
                    unreadable++;
                }
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return new Parsed(objects, unreadable, nonBlank);
    }

    static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A number field: null when absent or not a number; NaN/±Infinity when written so (bare or quoted). */
    static Double number(JsonNode object, String field) {
        JsonNode v = object == null ? null : object.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            return switch (v.asText().trim()) {
                case "NaN", "nan" -> Double.NaN;
                case "Infinity", "inf", "+Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity", "-inf" -> Double.NEGATIVE_INFINITY;
                default -> null;
            };
        }
        return null;
    }

    /** A whole-number field, or null when absent or not a finite whole number. */
    static Long whole(JsonNode object, String field) {
        Double d = number(object, field);
        if (d == null || !Double.isFinite(d) || d != Math.rint(d)) {
            return null;
        }
        return d.longValue();
    }

    static String text(JsonNode object, String field) {
        JsonNode v = object == null ? null : object.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }
}
