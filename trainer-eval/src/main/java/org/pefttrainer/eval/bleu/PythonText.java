package org.pefttrainer.eval.bleu;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code str.split()} and {@code str.rstrip()}: whitespace as {@code str.isspace()} defines it. */
final class PythonText {
    private PythonText() {}

    /**
     * Python's whitespace: the ASCII controls \t \n \v \f \r and \x1c-\x1f, U+0085, the line and paragraph
     * separators, and every space separator (category Zs, no-break spaces included, unlike Java's isWhitespace).
     */
    static boolean isSpace(int c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0x2028
                || c == 0x2029 || Character.getType(c) == Character.SPACE_SEPARATOR;
    }

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int c = s.codePointBefore(end);
            if (!isSpace(c)) {
                break;
            }
            end -= Character.charCount(c);
        }
        return s.substring(0, end);
    }
}
