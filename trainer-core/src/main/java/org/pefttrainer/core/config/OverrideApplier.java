package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies overrides, in order, to the (still unresolved) config file layered over base.conf, so that a
 * substitution in the file sees the overridden value. Problems (unknown key, + on an existing key, ~ on a missing
 * one) are collected, not thrown: the loader reports them with the validation problems.
 *
 * <ul>
 *   <li>{@code key=value}: the key must be in the schema, inside an open section, or added. A value that is an
 *       object is merged into a section (each of its keys is then validated); an open section is replaced.</li>
 *   <li>{@code +key=value}: the key must not exist; it is recorded in added_keys so the saved config loads.</li>
 *   <li>{@code ~key}: the key must exist; a key of the schema goes back to base.conf's default (a whole section
 *       to all its defaults), any other key is removed. To get null, write {@code key=null}.</li>
 * </ul>
 */
final class OverrideApplier {
    private final ConfigSchema schema;
    private final KeySuggester suggester;

    OverrideApplier(ConfigSchema schema) {
        this.schema = schema;
        this.suggester = new KeySuggester(schema.allPaths());
    }

    /** The config with the overrides applied (unresolved), and the problems found. */
    record Result(Config config, List<ConfigProblem> problems) {}

    Result apply(Config layered, List<ConfigOverride> overrides) {
        Config current = layered;
        List<ConfigProblem> problems = new ArrayList<>();
        Set<String> added = new LinkedHashSet<>(listedAddedKeys(current));
        boolean addedChanged = false;
        for (ConfigOverride o : overrides) {
            String problem = switch (o.kind()) {
                case SET -> checkSet(o.key(), added);
                case ADD -> checkAdd(current, o);
                case REMOVE -> checkRemove(current, o.key());
            };
            if (problem != null) {
                problems.add(new ConfigProblem(Origins.describe(Origins.COMMAND_LINE), problem));
                continue;
            }
            current = switch (o.kind()) {
                case SET -> set(current, o.key(), o.value());
                case ADD -> current.withValue(o.key(), o.value());
                case REMOVE -> remove(current, o.key());
            };
            if (o.kind() == ConfigOverride.Kind.ADD && !schema.isInsideOpenSection(o.key())) {
                addedChanged |= added.add(o.key());
            }
            if (o.kind() == ConfigOverride.Kind.REMOVE) {
                addedChanged |= added.removeIf(a -> a.equals(o.key()) || a.startsWith(o.key() + "."));
            }
        }
        if (addedChanged) {
            current = current.withValue("added_keys",
                    ConfigValueFactory.fromIterable(new ArrayList<>(added)).withOrigin(Origins.COMMAND_LINE));
        }
        return new Result(current, problems);
    }

    private String checkSet(String key, Set<String> added) {
        boolean known = schema.isKnown(key) || schema.isInsideOpenSection(key)
                || added.stream().anyMatch(a -> key.equals(a) || key.startsWith(a + "."));
        if (known) {
            return null;
        }
        String hint = suggester.hint(key);
        return "unknown key '" + key + "'" + (hint.isEmpty() ? " (to add a new key, write +" + key + "=...)" : hint);
    }

    private String checkAdd(Config current, ConfigOverride o) {
        if (schema.isKnown(o.key()) || exists(current, o.key())) {
            return "key '" + o.key() + "' exists already: drop the + to set it (" + o.argument().substring(1) + ")";
        }
        List<String> keys = ConfigUtil.splitPath(o.key());
        for (int n = 1; n < keys.size(); n++) {
            String parent = ConfigUtil.joinPath(keys.subList(0, n));
            ConfigValue v = valueAt(current, parent);
            if (v != null && !(v instanceof ConfigObject) && isResolved(v)) {
                return "cannot add '" + o.key() + "': '" + parent + "' is a value, not a section";
            }
        }
        return null;
    }

    private String checkRemove(Config current, String key) {
        return exists(current, key) ? null
                : "cannot remove '" + key + "': no such key" + suggester.hint(key);
    }

    private Config set(Config current, String key, ConfigValue value) {
        KeyRule rule = schema.leaves().get(key);
        if (rule != null && rule.isOpen()) {
            return current.withValue(key, value); // replace, so that run.tags={} clears the tags
        }
        // Layering merges an object into the section it replaces; any other value simply wins.
        return ConfigFactory.empty().withValue(key, value).withFallback(current);
    }

    private Config remove(Config current, String key) {
        Config without = current.withoutPath(key);
        if (schema.isKnown(key)) {
            return without.withValue(key, Values.at(schema.defaults().root(), key));
        }
        return without;
    }

    private static boolean exists(Config current, String key) {
        return valueAt(current, key) != null;
    }

    /** The raw value, null when absent; a part that cannot be looked into before resolving counts as present. */
    private static ConfigValue valueAt(Config config, String key) {
        try {
            return Values.at(config.root(), key);
        } catch (ConfigException.NotResolved e) {
            return ConfigValueFactory.fromAnyRef("unresolved");
        }
    }

    private static boolean isResolved(ConfigValue v) {
        try {
            v.valueType();
            return true;
        } catch (ConfigException.NotResolved e) {
            return false;
        }
    }

    /** The keys the file lists in added_keys, when that is a plain list. */
    private static List<String> listedAddedKeys(Config config) {
        List<String> keys = new ArrayList<>();
        ConfigValue v = valueAt(config, "added_keys");
        if (v instanceof ConfigList list) {
            for (ConfigValue e : list) {
                if (isResolved(e) && e.valueType() == ConfigValueType.STRING) {
                    keys.add((String) e.unwrapped());
                }
            }
        }
        return keys;
    }
}
