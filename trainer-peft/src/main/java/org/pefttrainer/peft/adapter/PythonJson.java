package org.pefttrainer.peft.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * JSON text exactly as Python's {@code json.dumps(obj, indent=2, sort_keys=True)} writes it, which is how PEFT writes
 * adapter_config.json: two-space indent, {@code ": "} after keys, keys sorted, {@code []} / {@code {}} for empty
 * containers, non-ASCII escaped as {@code \\uXXXX}, floats in Python's shortest round-trip {@code repr}, no newline at
 * the end. Writing the same bytes keeps our files diff-clean against PEFT's.
 */
public final class PythonJson {
    private PythonJson() {}

    public static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, sb, 0);
        return sb.toString();
    }

    private static void write(JsonNode n, StringBuilder sb, int depth) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            sb.append("null");
        } else if (n.isBoolean()) {
            sb.append(n.booleanValue() ? "true" : "false");
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue().toString());
        } else if (n.isNumber()) {
            sb.append(floatRepr(n.doubleValue()));
        } else if (n.isTextual()) {
            string(n.textValue(), sb);
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                newline(sb, depth + 1);
                write(n.get(i), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append(']');
        } else if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
                keys.add(it.next());
            }
            Collections.sort(keys);
            sb.append('{');
            for (int i = 0; i < keys.size(); i++) {
                sb.append(i == 0 ? "" : ",");
                newline(sb, depth + 1);
                string(keys.get(i), sb);
                sb.append(": ");
                write(n.get(keys.get(i)), sb, depth + 1);
            }
            newline(sb, depth);
            sb.append('}');
        } else {
            throw new IllegalArgumentException("cannot write JSON node of type " + n.getNodeType());
        }
    }

    private static void newline(StringBuilder sb, int depth) {
        sb.append('\n');
        sb.append("  ".repeat(depth));
    }

    /** json's ensure_ascii encoding: escapes quote, backslash, control characters and everything outside ' '..'~'. */
    private static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < ' ' || c > '~') {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest digit string that reads back to the same double, written in fixed
     * notation when the decimal exponent is in [-4, 16) and as {@code 1e-05} style otherwise.
     */
    public static String floatRepr(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("JSON has no representation for " + v);
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = shortest(v);
        String sign = shortest.signum() < 0 ? "-" : "";
        String digits = shortest.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - shortest.scale(); // decimal exponent of the first digit
        digits = digits.replaceAll("0+$", "");
        if (digits.isEmpty()) {
            digits = "0";
        }
        if (exp >= -4 && exp < 16) {
            String body;
            if (exp >= 0) {
                String intPart = digits.length() > exp + 1 ? digits.substring(0, exp + 1)
                        : digits + "0".repeat(exp + 1 - digits.length());
                String frac = digits.length() > exp + 1 ? digits.substring(exp + 1) : "0";
                body = intPart + "." + frac;
            } else {
                body = "0." + "0".repeat(-exp - 1) + digits;
            }
            return sign + body;
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = String.format(Locale.ROOT, "%s%02d", exp < 0 ? "-" : "+", Math.abs(exp));
        return sign + mantissa + "e" + e;
    }

    private static BigDecimal shortest(double v) {
        for (int precision = 1; precision <= 17; precision++) {
            String s = String.format(Locale.ROOT, "%." + (precision - 1) + "e", v);
            if (Double.parseDouble(s) == v) {
                return new BigDecimal(s);
            }
        }
        return new BigDecimal(v);
    }
}
