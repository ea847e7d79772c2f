package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The key set: base.conf (from the class path, so it is there whatever config the user gives) with every leaf's
 * {@link KeyRule}. A leaf is a key whose default is not a section; open sections are leaves whose value is a whole
 * object of free keys.
 */
final class ConfigSchema {
    /** base.conf's place on the class path (the trainer-core build copies configs/base.conf there). */
    static final String BASE_RESOURCE = "peft/base.conf";

    private final Config defaults;
    private final Map<String, KeyRule> leaves = new TreeMap<>();
    private final Set<String> sections = new TreeSet<>();

    private ConfigSchema(Config base, Map<String, KeyRule> table) {
        this.defaults = base.resolve();
        collect(defaults.root(), new ArrayList<>(), table);
        Set<String> unused = new TreeSet<>(table.keySet());
        unused.removeAll(leaves.keySet());
        if (!unused.isEmpty()) {
            throw new IllegalStateException("rules for keys that base.conf lacks: " + unused);
        }
    }

    /** The schema of the base.conf on the class path (read once). */
    static ConfigSchema get() {
        return Holder.INSTANCE;
    }

    /** A schema from any base config: for tests of the schema's own consistency checks. */
    static ConfigSchema of(Config base, Map<String, KeyRule> table) {
        return new ConfigSchema(base, table);
    }

    private static final class Holder {
        static final ConfigSchema INSTANCE = load();

        private static ConfigSchema load() {
            Config base = ConfigFactory.parseResources(ConfigSchema.class.getClassLoader(), BASE_RESOURCE);
            if (base.isEmpty()) {
                throw new IllegalStateException(BASE_RESOURCE + " is missing from the class path (the trainer-core "
                        + "build copies configs/base.conf there)");
            }
            return new ConfigSchema(base, KeyRules.table());
        }
    }

    private void collect(ConfigObject object, List<String> prefix, Map<String, KeyRule> table) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            List<String> keys = new ArrayList<>(prefix);
            keys.add(e.getKey());
            String path = ConfigUtil.joinPath(keys);
            ConfigValue value = e.getValue();
            KeyRule rule = table.get(path);
            if (value.valueType() == ConfigValueType.OBJECT && (rule == null || !rule.isOpen())) {
                if (((ConfigObject) value).isEmpty()) {
                    throw new IllegalStateException("base.conf: empty section " + path + " needs an OBJECT rule");
                }
                sections.add(path);
                collect((ConfigObject) value, keys, table);
            } else {
                leaves.put(path, rule != null ? checked(rule, value) : derived(path, value));
            }
        }
    }

    /** A listed rule must accept its own default. */
    private static KeyRule checked(KeyRule rule, ConfigValue dflt) {
        boolean ok = dflt.valueType() == ConfigValueType.NULL ? rule.nullable() : rule.type().accepts(dflt);
        if (!ok) {
            throw new IllegalStateException("base.conf: the default of " + rule.key() + " breaks its rule");
        }
        return rule;
    }

    /** The rule of an unlisted key: the type of its default. */
    private static KeyRule derived(String path, ConfigValue dflt) {
        return switch (dflt.valueType()) {
            case STRING -> KeyRule.of(path, ValueType.STRING);
            case BOOLEAN -> KeyRule.of(path, ValueType.BOOLEAN);
            case LIST -> KeyRule.of(path, ValueType.STRING_LIST);
            default -> throw new IllegalStateException(
                    "base.conf: " + path + " (" + dflt.valueType() + " default) needs a rule in KeyRules");
        };
    }

    /** base.conf, resolved. */
    Config defaults() {
        return defaults;
    }

    /** Leaf paths (open sections included), sorted, with their rules. */
    Map<String, KeyRule> leaves() {
        return Collections.unmodifiableMap(leaves);
    }

    /** Section paths (not the root), sorted. */
    Set<String> sections() {
        return Collections.unmodifiableSet(sections);
    }

    boolean isLeaf(String path) {
        return leaves.containsKey(path);
    }

    boolean isSection(String path) {
        return sections.contains(path);
    }

    /** Leaf or section of the schema. */
    boolean isKnown(String path) {
        return isLeaf(path) || isSection(path);
    }

    /** True if {@code path} lies strictly inside an open section. */
    boolean isInsideOpenSection(String path) {
        List<String> keys = ConfigUtil.splitPath(path);
        for (int n = 1; n < keys.size(); n++) {
            KeyRule rule = leaves.get(ConfigUtil.joinPath(keys.subList(0, n)));
            if (rule != null && rule.isOpen()) {
                return true;
            }
        }
        return false;
    }

    /** Every leaf and section path: the candidates of did-you-mean. */
    List<String> allPaths() {
        List<String> all = new ArrayList<>(leaves.keySet());
        all.addAll(sections);
        return all;
    }
}
