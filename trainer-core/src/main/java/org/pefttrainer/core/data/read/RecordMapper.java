package org.pefttrainer.core.data.read;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.ChatMessage;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.data.ReferenceConvention;

/**
 * Turns one flat record (field name → text), whatever file it came from, into examples. Understood fields:
 * {@code id} or {@code fname}; {@code dialogue}; {@code summary}, or {@code summary1}, {@code summary2}, ...;
 * optional {@code topic} or {@code topic1}, {@code topic2}, .... Records with several summaries are split or
 * kept together as the {@link ReferenceConvention} says. An optional {@code adapter} names the adapter the row is
 * evaluated with.
 */
final class RecordMapper {
    private final ReferenceConvention convention;

    RecordMapper(ReferenceConvention convention) {
        this.convention = convention;
    }

    /**
     * @param fields  the record's fields; a missing id is replaced by {@code position}
     * @param where   file and line (or row) for error messages
     * @param position 0-based position of the record in its file, used as id when the record has none
     */
    List<Example> map(Map<String, String> fields, String where, long position) {
        String adapter = fields.get("adapter");
        List<Example> out = mapRecord(fields, where, position);
        if (adapter == null || adapter.isBlank()) {
            return out;
        }
        // The "adapter" column names the adapter each row is evaluated with (eval.adapters, docs/spark.md).
        return out.stream().map(e -> e.withAdapter(Optional.of(adapter.strip()))).toList();
    }

    private List<Example> mapRecord(Map<String, String> fields, String where, long position) {
        String id = first(fields, "id", "fname");
        if (id == null || id.isBlank()) {
            id = Long.toString(position);
        }
        if (fields.containsKey("messages")) {
            return List.of(chat(id.strip(), fields.get("messages"), where));
        }
        String dialogue = fields.get("dialogue");
        if (dialogue == null) {
            throw new UserException(where + ": no 'dialogue' field (expected fields id, dialogue, summary; found "
                    + fields.keySet() + ")");
        }
        List<String> summaries = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        if (fields.containsKey("summary")) {
            summaries.add(TextCleaner.clean(fields.get("summary")));
            topics.add(fields.get("topic"));
        } else {
            for (int k = 1; fields.containsKey("summary" + k); k++) {
                summaries.add(TextCleaner.clean(fields.get("summary" + k)));
                topics.add(first(fields, "topic" + k, "topic"));
            }
        }
        if (summaries.isEmpty()) {
            throw new UserException(where + ": no 'summary' (or 'summary1') field; found " + fields.keySet());
        }
        String source = TextCleaner.clean(dialogue);
        id = id.strip();
        if (summaries.size() == 1 || convention == ReferenceConvention.SUMMARY1) {
            return List.of(new Example(id, source, List.of(summaries.get(0)), topic(topics.get(0))));
        }
        if (convention == ReferenceConvention.BEST_OF_THREE) {
            return List.of(new Example(id, source, summaries, topic(topics.get(0))));
        }
        List<Example> pairs = new ArrayList<>(summaries.size());
        for (int k = 0; k < summaries.size(); k++) {
            pairs.add(new Example(id + "_" + (k + 1), source, List.of(summaries.get(k)), topic(topics.get(k))));
        }
        return pairs;
    }

    /**
     * A conversational record (Hugging Face's "messages" format): a list of {role, content} ending with the
     * assistant's reply, which is the reference; the last user turn is shown as the source.
     */
    private static Example chat(String id, String json, String where) {
        com.fasterxml.jackson.databind.JsonNode list;
        try {
            list = org.pefttrainer.core.io.Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            list = null;
        }
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new UserException(where + ": 'messages' must be a non-empty list of {\"role\", \"content\"}");
        }
        List<ChatMessage> turns = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode m : list) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new UserException(where + ": every entry of 'messages' needs a string role and content; found "
                        + m);
            }
            turns.add(new ChatMessage(m.get("role").asText(), TextCleaner.clean(m.get("content").asText())));
        }
        ChatMessage last = turns.get(turns.size() - 1);
        if (!last.role().equals("assistant")) {
            throw new UserException(where + ": 'messages' must end with the assistant's reply (the reference); the"
                    + " last role is '" + last.role() + "'");
        }
        String user = "";
        for (ChatMessage m : turns) {
            user = m.role().equals("user") ? m.content() : user;
        }
        return new Example(id, user, List.of(last.content()), Optional.empty(), turns);
    }

    private static Optional<String> topic(String raw) {
        String t = TextCleaner.clean(raw);
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }

    private static String first(Map<String, String> fields, String a, String b) {
        String v = fields.get(a);
        return v != null ? v : fields.get(b);
    }
}
