package org.pefttrainer.eval.report.chart;

/** Escaping for text and attribute values in HTML and SVG (the five XML specials, so the SVG is also valid XML). */
public final class Markup {
    private Markup() {}

    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // C0 controls other than tab/newline/CR are not allowed in XML 1.0 nor sensible in HTML text
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
