package dev.skiff.api.strategicpatch;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON values as upstream's Go code sees them after decoding into {@code interface{}}: the dynamic
 * type (maps, slices, strings, int64 for integers, float64 otherwise, bool, nil), {@code ==}
 * equality, and {@code %v} text for error messages, so the patch logic and its messages match.
 */
final class GoValues {
    enum Kind { MAP, SLICE, STRING, INT, FLOAT, BOOL, NIL }

    private GoValues() {
    }

    static Kind kind(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return Kind.NIL;
        }
        if (v.isObject()) {
            return Kind.MAP;
        }
        if (v.isArray()) {
            return Kind.SLICE;
        }
        if (v.isTextual()) {
            return Kind.STRING;
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? Kind.INT : Kind.FLOAT;
        }
        if (v.isNumber()) {
            return Kind.FLOAT;
        }
        if (v.isBoolean()) {
            return Kind.BOOL;
        }
        return Kind.STRING;
    }

    /** Go's {@code ==} on two decoded values (maps and slices, which Go cannot compare, by structure). */
    static boolean same(JsonNode a, JsonNode b) {
        Kind ka = kind(a);
        if (ka != kind(b)) {
            return false;
        }
        return switch (ka) {
            case NIL -> true;
            case STRING -> a.textValue().equals(b.textValue());
            case INT -> a.longValue() == b.longValue();
            case FLOAT -> a.doubleValue() == b.doubleValue();
            case BOOL -> a.booleanValue() == b.booleanValue();
            case MAP, SLICE -> a.equals(b);
        };
    }

    /** A key with the same equality as {@link #same}, for sets of scalars. */
    static Object key(JsonNode v) {
        Kind k = kind(v);
        return switch (k) {
            case NIL -> "nil";
            case STRING -> "s" + v.textValue();
            case INT -> v.longValue();
            case FLOAT -> v.doubleValue();
            case BOOL -> v.booleanValue();
            case MAP, SLICE -> v;
        };
    }

    /** The Go type name, as reflect.TypeOf prints it. */
    static String typeName(JsonNode v) {
        return switch (kind(v)) {
            case MAP -> "map[string]interface {}";
            case SLICE -> "[]interface {}";
            case STRING -> "string";
            case INT -> "int64";
            case FLOAT -> "float64";
            case BOOL -> "bool";
            case NIL -> "<nil>";
        };
    }

    /** Go's {@code %v}: {@code map[k:v ...]} with sorted keys, {@code [a b]}, {@code <nil>}. */
    static String format(JsonNode v) {
        return switch (kind(v)) {
            case NIL -> "<nil>";
            case STRING -> v.textValue();
            case INT -> Long.toString(v.longValue());
            case FLOAT -> formatFloat(v.doubleValue());
            case BOOL -> Boolean.toString(v.booleanValue());
            case SLICE -> {
                List<String> parts = new ArrayList<>();
                v.forEach(e -> parts.add(format(e)));
                yield "[" + String.join(" ", parts) + "]";
            }
            case MAP -> {
                List<String> keys = new ArrayList<>();
                v.fieldNames().forEachRemaining(keys::add);
                keys.sort(null);
                List<String> parts = new ArrayList<>();
                for (String k : keys) {
                    parts.add(k + ":" + format(v.get(k)));
                }
                yield "map[" + String.join(" ", parts) + "]";
            }
        };
    }

    /** Go's {@code %s} of a value that may not be a string: {@code %!s(float64=5)}. */
    static String formatAsString(JsonNode v) {
        Kind k = kind(v);
        if (k == Kind.STRING) {
            return v.textValue();
        }
        if (k == Kind.NIL) {
            return "%!s(<nil>)";
        }
        if (k == Kind.MAP || k == Kind.SLICE) {
            return format(v);
        }
        return "%!s(" + typeName(v) + "=" + format(v) + ")";
    }

    /** fmt's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e21. */
    private static String formatFloat(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.isNaN(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0" : "0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1;
        if (exponent < -4 || exponent >= 21) {
            String digits = shortest.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String exp = String.format("%02d", Math.abs(exponent));
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
        }
        return shortest.toPlainString();
    }
}
