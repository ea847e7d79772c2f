package org.pefttrainer.core.data.read;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pefttrainer.core.UserException;

/** Flattens a JSON object into field name → text, the shape {@link RecordMapper} reads. */
final class JsonFields {
    private JsonFields() {}

    static Map<String, String> of(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new UserException(where + ": expected a JSON object with id, dialogue, summary; found "
                    + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            // null fields read as empty text: the official SAMSum JSON has records with empty dialogues.
            fields.put(e.getKey(), v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
        }
        return fields;
    }
}
