package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a resolved config against the schema and finds every problem, not just the first: unknown keys, sections
 * replaced by values, null where null is not allowed, wrong types, enum values, ranges, then the cross-key rules
 * whose keys are otherwise fine. Each problem names the key and the file:line (or "command line") of its value.
 */
final class ConfigValidator {
    private final ConfigSchema schema;
    private final KeySuggester suggester;

    ConfigValidator(ConfigSchema schema) {
        this.schema = schema;
        this.suggester = new KeySuggester(schema.allPaths());
    }

    List<ConfigProblem> validate(Config config) {
        List<ConfigProblem> problems = new ArrayList<>();
        Set<String> badKeys = new HashSet<>();
        findUnknownKeys(config.root(), new ArrayList<>(), addedKeys(config), problems);
        Set<String> badSections = checkSections(config.root(), problems);
        for (Map.Entry<String, KeyRule> e : schema.leaves().entrySet()) {
            String key = e.getKey();
            if (badSections.stream().anyMatch(s -> key.startsWith(s + "."))) {
                badKeys.add(key);
                continue;
            }
            ConfigProblem p = checkLeaf(config.root(), e.getValue());
            if (p != null) {
                problems.add(p);
                badKeys.add(key);
            }
        }
        for (CrossKeyRules.CrossKeyRule rule : CrossKeyRules.all()) {
            if (rule.keys().stream().noneMatch(badKeys::contains)) {
                String message = rule.check().apply(config);
                if (message != null) {
                    ConfigValue at = Values.at(config.root(), rule.keys().get(0));
                    problems.add(new ConfigProblem(Origins.describe(at.origin()), message));
                }
            }
        }
        return problems;
    }

    /** Keys listed in added_keys (added with + on the command line, or declared by the file). */
    private static Set<String> addedKeys(Config config) {
        Set<String> added = new TreeSet<>();
        if (Values.at(config.root(), "added_keys") instanceof ConfigList list) {
            for (ConfigValue v : list) {
                String text = Values.text(v);
                if (text != null && !text.isBlank()) {
                    try {
                        added.add(ConfigUtil.joinPath(ConfigUtil.splitPath(text.trim())));
                    } catch (ConfigException.BadPath e) {
                        // Not a path: it exempts nothing.
                    }
                }
            }
        }
        return added;
    }

    private void findUnknownKeys(ConfigObject object, List<String> prefix, Set<String> added,
                                 List<ConfigProblem> problems) {
        for (String key : new TreeSet<>(object.keySet())) {
            List<String> keys = new ArrayList<>(prefix);
            keys.add(key);
            String path = ConfigUtil.joinPath(keys);
            ConfigValue value = object.get(key);
            if (schema.isLeaf(path) || added.contains(path)) {
                continue;
            }
            boolean holdsAdded = added.stream().anyMatch(a -> a.startsWith(path + "."));
            if (schema.isSection(path) || holdsAdded) {
                if (value instanceof ConfigObject child) {
                    findUnknownKeys(child, keys, added, problems);
                }
                continue;
            }
            problems.add(new ConfigProblem(Origins.describe(value.origin()),
                    "unknown key '" + path + "'" + suggester.hint(path)));
        }
    }

    /** Sections whose value is not an object (e.g. {@code optim = 3}); their keys are not checked further. */
    private Set<String> checkSections(ConfigObject root, List<ConfigProblem> problems) {
        Set<String> bad = new TreeSet<>();
        for (String section : schema.sections()) {
            if (bad.stream().anyMatch(b -> section.startsWith(b + "."))) {
                continue;
            }
            ConfigValue v = Values.at(root, section);
            if (v != null && v.valueType() != ConfigValueType.OBJECT) {
                problems.add(new ConfigProblem(Origins.describe(v.origin()),
                        section + " must be a section { ... }, got " + Values.show(v)));
                bad.add(section);
            }
        }
        return bad;
    }

    private static ConfigProblem checkLeaf(ConfigObject root, KeyRule rule) {
        ConfigValue v = Values.at(root, rule.key());
        if (v == null) {
            return new ConfigProblem("config", rule.key() + " is missing");
        }
        String where = Origins.describe(v.origin());
        if (v.valueType() == ConfigValueType.NULL) {
            return rule.nullable() ? null
                    : new ConfigProblem(where, rule.key() + " must be " + rule.type().description() + ", got null");
        }
        if (!rule.type().accepts(v)) {
            return new ConfigProblem(where,
                    rule.key() + " must be " + rule.type().description() + ", got " + Values.show(v));
        }
        for (ValueCheck check : rule.checks()) {
            String problem = check.problem(v);
            if (problem != null) {
                return new ConfigProblem(where, rule.key() + " " + problem);
            }
        }
        return null;
    }
}
