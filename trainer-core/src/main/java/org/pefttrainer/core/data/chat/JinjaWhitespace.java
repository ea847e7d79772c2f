package org.pefttrainer.core.data.chat;

/**
 * Jinja2's whitespace rules applied to a template's text before Jinjava parses it, because Jinjava does not strip
 * before {@code {{-} and handles the rest differently: {@code -} on a tag's inside edge strips all whitespace on that
 * side; trim_blocks drops the first newline after a block or comment tag; lstrip_blocks drops the spaces and tabs
 * between a line's start and a block or comment tag ({@code {%+} keeps them). The result has no {@code -}/{@code +}
 * markers left and needs neither option, so Jinjava renders its text literally, as jinja2's lexer would have left it.
 */
final class JinjaWhitespace {
    private JinjaWhitespace() {}

    static String apply(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        boolean stripNext = false;
        boolean trimNewline = false;
        while (i < src.length()) {
            int open = nextTag(src, i);
            String data = src.substring(i, open < 0 ? src.length() : open);
            // whether this text starts a line of the source: the template's start, or a trimmed newline before it
            boolean lineStart = i == 0;
            if (stripNext) {
                data = stripLeading(data);
            } else if (trimNewline) {
                if (data.startsWith("\r\n")) {
                    data = data.substring(2);
                    lineStart = true;
                } else if (data.startsWith("\n")) {
                    data = data.substring(1);
                    lineStart = true;
                }
            }
            if (open < 0) {
                out.append(data);
                break;
            }
            char kind = src.charAt(open + 1); // '{', '%' or '#'
            char marker = open + 2 < src.length() ? src.charAt(open + 2) : ' ';
            if (marker == '-') {
                data = stripTrailing(data);
            } else if (kind != '{' && marker != '+') {
                int nl = data.lastIndexOf('\n');
                String tail = data.substring(nl + 1);
                if (tail.chars().allMatch(c -> c == ' ' || c == '\t') && (nl >= 0 || lineStart)) {
                    data = data.substring(0, nl + 1);
                }
            }
            out.append(data);
            int close = closeOf(src, open, kind);
            String body = src.substring(open + 2, close);
            boolean stripAfter = body.endsWith("-");
            if (body.startsWith("-") || body.startsWith("+")) {
                body = body.substring(1);
            }
            if (stripAfter) {
                body = body.substring(0, body.length() - 1);
            }
            char end = kind == '{' ? '}' : kind;
            out.append('{').append(kind).append(body).append(end).append('}');
            i = close + 2;
            stripNext = stripAfter;
            trimNewline = kind != '{';
        }
        return out.toString();
    }

    private static int nextTag(String s, int from) {
        for (int j = from; j + 1 < s.length(); j++) {
            if (s.charAt(j) == '{') {
                char k = s.charAt(j + 1);
                if (k == '{' || k == '%' || k == '#') {
                    return j;
                }
            }
        }
        return -1;
    }

    /** Index of the tag's closing pair ("}}", "%}" or "#}"), skipping string literals inside expressions. */
    private static int closeOf(String s, int open, char kind) {
        char end = kind == '{' ? '}' : kind;
        char quote = 0;
        for (int j = open + 2; j + 1 < s.length(); j++) {
            char c = s.charAt(j);
            if (kind != '#' && quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (quote != 0) {
                if (c == '\\') {
                    j++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == end && s.charAt(j + 1) == '}') {
                return j;
            }
        }
        throw new IllegalArgumentException("unclosed template tag at offset " + open);
    }

    private static String stripLeading(String s) {
        int k = 0;
        while (k < s.length() && Character.isWhitespace(s.charAt(k))) {
            k++;
        }
        return s.substring(k);
    }

    private static String stripTrailing(String s) {
        int k = s.length();
        while (k > 0 && Character.isWhitespace(s.charAt(k - 1))) {
            k--;
        }
        return s.substring(0, k);
    }
}
