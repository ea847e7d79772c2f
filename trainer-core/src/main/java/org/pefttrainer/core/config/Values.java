package org.pefttrainer.core.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;

/** Small readers of raw config values, null-aware (Typesafe's Config getters treat null as missing). */
final class Values {
    private static final int SHOWN_CHARS = 60;

    private Values() {}

    /** The value at {@code path} (a null value included), or null when absent or a parent is not an object. */
    static ConfigValue at(ConfigObject root, String path) {
        return at(root, ConfigUtil.splitPath(path));
    }

    static ConfigValue at(ConfigObject root, List<String> keys) {
        ConfigValue v = root;
        for (String key : keys) {
            if (!(v instanceof ConfigObject o)) {
                return null;
            }
            v = o.get(key);
            if (v == null) {
                return null;
            }
        }
        return v;
    }

    /** The value as one short line of JSON, for messages. */
    static String show(ConfigValue v) {
        String s = v.render(ConfigRenderOptions.concise());
        return s.length() <= SHOWN_CHARS ? s : s.substring(0, SHOWN_CHARS - 3) + "...";
    }

    /** A scalar's text as Typesafe's getString gives it; null for lists, objects and null. */
    static String text(ConfigValue v) {
        return switch (v.valueType()) {
            case STRING, NUMBER, BOOLEAN -> String.valueOf(v.unwrapped());
            default -> null;
        };
    }

    /** A number, or a string that Typesafe would read as one; null otherwise. */
    static Double number(ConfigValue v) {
        if (v.valueType() == ConfigValueType.NUMBER) {
            return ((Number) v.unwrapped()).doubleValue();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            try {
                return Double.parseDouble(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** True if the value is a number (or numeric string) without a fractional part. */
    static boolean isIntegral(ConfigValue v) {
        if (v.valueType() == ConfigValueType.NUMBER && !(v.unwrapped() instanceof Double)) {
            return true;
        }
        Double d = number(v);
        return d != null && !d.isInfinite() && d == Math.rint(d);
    }
}
