package org.pefttrainer.core.data.read;

/**
 * Normalises the text fields every reader returns. SAMSum mixes {@code \r\n} and {@code \n} line ends and many
 * of its summaries carry leading or trailing spaces; models and ROUGE should see neither.
 */
final class TextCleaner {
    private TextCleaner() {}

    /** {@code \r\n} and lone {@code \r} become {@code \n}; leading and trailing whitespace is stripped. */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        String s = text.indexOf('\r') >= 0 ? text.replace("\r\n", "\n").replace('\r', '\n') : text;
        return s.strip();
    }
}
