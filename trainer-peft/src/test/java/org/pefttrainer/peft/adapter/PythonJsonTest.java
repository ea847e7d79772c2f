package org.pefttrainer.peft.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Expected strings are what CPython 3's json.dumps / repr print for the same values. */
class PythonJsonTest {
    @Test
    void floatsAsPythonRepr() {
        double[] values = {0.0, -0.0, 0.1, 0.05, 1e-05, 1.5e-07, 16.0, 1e16, 1e22, 123456789.123, 0.0001, 2.5e-4, -0.3,
            1.0 / 3, 9999999999999998.0, Double.MIN_VALUE, Double.MAX_VALUE};
        String[] python = {"0.0", "-0.0", "0.1", "0.05", "1e-05", "1.5e-07", "16.0", "1e+16", "1e+22", "123456789.123",
            "0.0001", "0.00025", "-0.3", "0.3333333333333333", "9999999999999998.0", "5e-324",
            "1.7976931348623157e+308"};
        for (int i = 0; i < values.length; i++) {
            assertEquals(python[i], PythonJson.floatRepr(values[i]), "value " + values[i]);
        }
    }

    @Test
    void layoutSortingAndEscapesAsJsonDumpsIndent2SortKeys() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode();
        o.putArray("b");
        o.putObject("a");
        ObjectNode inner = o.putArray("c").add(1).addObject();
        inner.putNull("x");
        inner.put("w", "h\u00e9llo \u2603 \"q\" \\ \n\t\u0001\u007f\uD83D\uDE00");
        o.put("d", true);
        String python = "{\n"
                + "  \"a\": {},\n"
                + "  \"b\": [],\n"
                + "  \"c\": [\n"
                + "    1,\n"
                + "    {\n"
                + "      \"w\": \"h\\u00e9llo \\u2603 \\\"q\\\" \\\\ \\n\\t\\u0001\\u007f\\ud83d\\ude00\",\n"
                + "      \"x\": null\n"
                + "    }\n"
                + "  ],\n"
                + "  \"d\": true\n"
                + "}";
        assertEquals(python, PythonJson.dumps(o));
    }
}
