package org.pefttrainer.core.config;

/**
 * One thing wrong with a config.
 *
 * @param where   "file:line" of the value, or "command line" for an override
 * @param message what is wrong, naming the key
 */
record ConfigProblem(String where, String message) {

    String line() {
        return where + ": " + message;
    }
}
