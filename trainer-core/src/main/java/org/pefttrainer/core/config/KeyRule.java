package org.pefttrainer.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * How one key of the schema is checked: its type, whether null is allowed, and further checks on its value.
 *
 * @param key      the key path, e.g. {@code optim.lr}
 * @param type     the type the value must have
 * @param nullable whether {@code null} is a valid value
 * @param checks   checks run in order once the type is right; the first problem is reported
 */
record KeyRule(String key, ValueType type, boolean nullable, List<ValueCheck> checks) {

    KeyRule {
        checks = List.copyOf(checks);
    }

    static KeyRule of(String key, ValueType type, ValueCheck... checks) {
        return new KeyRule(key, type, false, List.of(checks));
    }

    /** This rule, with null allowed. */
    KeyRule orNull() {
        return new KeyRule(key, type, true, checks);
    }

    /** This rule plus {@code check}. */
    KeyRule and(ValueCheck check) {
        List<ValueCheck> all = new ArrayList<>(checks);
        all.add(check);
        return new KeyRule(key, type, nullable, all);
    }

    /** An open section: any keys below it are accepted. */
    boolean isOpen() {
        return type == ValueType.OBJECT;
    }
}
