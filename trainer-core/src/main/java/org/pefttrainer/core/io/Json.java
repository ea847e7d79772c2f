package org.pefttrainer.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.pefttrainer.core.UserException;

/** One shared Jackson mapper and the file helpers around it (errors name the file). */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    public static JsonNode read(Path file) {
        try {
            JsonNode node = MAPPER.readTree(Files.readString(file));
            if (node == null) {
                throw new UserException(file + ": empty file, expected JSON");
            }
            return node;
        } catch (NoSuchFileException e) {
            throw new UserException(file + ": file not found");
        } catch (JsonProcessingException e) {
            throw new UserException(file + ": not valid JSON (line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public static ObjectNode readObject(Path file) {
        JsonNode n = read(file);
        if (!n.isObject()) {
            throw new UserException(file + ": expected a JSON object");
        }
        return (ObjectNode) n;
    }

    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String compact(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes pretty JSON atomically. */
    public static void write(Path file, Object value) {
        AtomicFiles.writeString(file, pretty(value));
    }
}
