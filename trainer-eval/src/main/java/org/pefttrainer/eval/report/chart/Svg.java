package org.pefttrainer.eval.report.chart;

/** A small writer of SVG markup that escapes every text and attribute value; null attributes are left out. */
final class Svg {
    private final StringBuilder out = new StringBuilder(4096);

    void open(String tag, String... attributes) {
        start(tag, attributes);
        out.append('>');
    }

    void empty(String tag, String... attributes) {
        start(tag, attributes);
        out.append("/>");
    }

    /** An element with a {@code <title>} child (a hover tooltip) when {@code tip} is not null, else empty. */
    void openOrEmpty(String tip, String tag, String... attributes) {
        if (tip == null) {
            empty(tag, attributes);
            return;
        }
        open(tag, attributes);
        element("title", tip);
        close(tag);
    }

    void close(String tag) {
        out.append("</").append(tag).append('>');
    }

    void element(String tag, String text) {
        out.append('<').append(tag).append('>').append(Markup.escape(text)).append("</").append(tag).append('>');
    }

    void text(String text, double x, double y, String cssClass, String anchor, String transform) {
        open("text", "x", LineChart.num(x), "y", LineChart.num(y), "class", cssClass, "text-anchor", anchor,
                "transform", transform);
        out.append(Markup.escape(text));
        close("text");
    }

    private void start(String tag, String... attributes) {
        out.append('<').append(tag);
        for (int i = 0; i + 1 < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                out.append(' ').append(attributes[i]).append("=\"").append(Markup.escape(attributes[i + 1])).append('"');
            }
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
