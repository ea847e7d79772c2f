package org.pefttrainer.core.config;

import com.typesafe.config.ConfigValue;

/**
 * One command-line override, Hydra style.
 *
 * @param kind     set, add or remove
 * @param key      the key path, normalized ({@code optim.lr})
 * @param value    the new value (its origin is "command line"); null for REMOVE
 * @param argument the argument as given, for messages
 */
public record ConfigOverride(Kind kind, String key, ConfigValue value, String argument) {

    public enum Kind {
        /** {@code key=value}: the key must exist (in the schema, an open section or added_keys). */
        SET,
        /** {@code +key=value}: the key must not exist. */
        ADD,
        /** {@code ~key}: back to base.conf's default (or gone, for a key base.conf lacks). */
        REMOVE
    }
}
