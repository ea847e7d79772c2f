package org.pefttrainer.peft.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed access to the keys of an adapter_config.json; every type error names the file and the key. A missing key or
 * JSON null reads as the given default, the way PEFT's dataclass defaults fill absent keys.
 */
public final class ConfigReader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReader.class);

    private final ObjectNode json;
    private final Path file;

    public ConfigReader(ObjectNode json, Path file) {
        this.json = json;
        this.file = file;
    }

    public ObjectNode json() {
        return json;
    }

    public Path file() {
        return file;
    }

    public boolean isNull(String key) {
        JsonNode v = json.get(key);
        return v == null || v.isNull();
    }

    public JsonNode node(String key) {
        return json.get(key);
    }

    public int integer(String key, int dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw error(key, "must be an integer, got " + v);
        }
        return v.intValue();
    }

    public Integer optionalInteger(String key) {
        return isNull(key) ? null : integer(key, 0);
    }

    public double number(String key, double dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw error(key, "must be a number, got " + v);
        }
        return v.doubleValue();
    }

    public boolean bool(String key, boolean dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw error(key, "must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    public String string(String key, String dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw error(key, "must be a string, got " + v);
        }
        return v.textValue();
    }

    /** The entries of an object-valued key (missing or null: none); anything else is an error naming the key. */
    public java.util.Map<String, JsonNode> objectEntries(String key) {
        JsonNode v = json.get(key);
        java.util.Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isObject()) {
            throw error(key, "must be an object (module pattern -> value), got " + v);
        }
        v.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** A key PEFT types as str or list of str, as a list (missing or null: null). */
    public List<String> stringOrList(String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : v.isArray() ? v : List.of(v)) {
            if (!n.isTextual()) {
                throw error(key, "must be a string or a list of strings, got " + v);
            }
            out.add(n.textValue());
        }
        return out;
    }

    /** Keys this trainer cannot honour unless they hold their PEFT default (null, false, {} or []). */
    public void requireDefault(String key, String why) {
        JsonNode v = json.get(key);
        boolean isDefault = v == null || v.isNull() || (v.isBoolean() && !v.booleanValue())
                || (v.isContainerNode() && v.isEmpty());
        if (!isDefault) {
            throw error(key, "is " + v + ", but " + why);
        }
    }

    /**
     * PEFT's task_type decides which PeftModel wraps the base: SEQ_2_SEQ_LM prepends prompts to the encoder as this
     * trainer does for T5. A LoRA adapter saved without a task type computes the same, so null may be accepted.
     */
    public void requireTaskType(boolean nullAllowed) {
        requireTaskType(nullAllowed, AdapterConfig.TASK_TYPE);
    }

    /** As {@link #requireTaskType(boolean)}, with the task types accepted. */
    public void requireTaskType(boolean nullAllowed, String... accepted) {
        String task = string("task_type", null);
        if (task == null && nullAllowed) {
            return;
        }
        if (task == null || !java.util.Arrays.asList(accepted).contains(task)) {
            throw error("task_type", (task == null ? "is missing" : "is '" + task + "'") + ", expected "
                    + (accepted.length == 1 ? "'" + accepted[0] + "' (this trainer adapts encoder-decoder models)"
                    : "one of " + String.join(", ", accepted)));
        }
    }

    /** Logs the keys PEFT 0.13.2 does not know (files from newer PEFT versions carry a few). */
    public void warnUnknownKeys(Set<String> known) {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!known.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            LOG.warn("{}: ignoring keys unknown to PEFT 0.13.2: {}", file, unknown);
        }
    }

    public UserException error(String key, String what) {
        return new UserException(file + ": '" + key + "' " + what);
    }
}
