package dev.skiff.api.quantity;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resource quantities as apimachinery's {@code resource.Quantity} reads and prints them. fabric8's
 * {@link Quantity} keeps whatever string the client sent, so the strict grammar, the numeric value
 * and the canonical form ({@code 1.5Gi} prints as {@code 1536Mi}, {@code 1000m} as {@code 1}) live
 * here: validation, comparisons and the printers' cells go through this class.
 */
public final class Quantities {
    /** The message upstream gives for a string that is not a quantity. */
    public static final String FORMAT_MESSAGE =
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    private static final Pattern GRAMMAR =
            Pattern.compile("^([+-]?)([0-9]+\\.?[0-9]*|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$");
    private static final Map<String, Integer> DECIMAL_SUFFIXES =
            Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final String[] BINARY_SUFFIXES = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    private static final BigInteger KI = BigInteger.valueOf(1024);

    private enum Format { DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT }

    /** A parsed quantity: its exact value and the notation its suffix chose. */
    private record Parsed(BigDecimal value, Format format) {
    }

    private Quantities() {
    }

    /** Whether {@code q} is a quantity in upstream's grammar. */
    public static boolean isValid(Quantity q) {
        return q != null && parse(text(q)).isPresent();
    }

    /** The value of a valid quantity (upstream rounds anything finer than nano up to the next nano). */
    public static BigDecimal value(Quantity q) {
        return parse(text(q)).orElseThrow(() -> new IllegalArgumentException(FORMAT_MESSAGE)).value();
    }

    /** Compares two valid quantities by value, as Quantity.Cmp. */
    public static int compare(Quantity a, Quantity b) {
        return value(a).compareTo(value(b));
    }

    /** Quantity.String(): the canonical form; an invalid quantity prints as sent. A missing one is "0". */
    public static String canonical(Quantity q) {
        if (q == null) {
            return "0";
        }
        return parse(text(q)).map(Quantities::format).orElse(text(q));
    }

    /**
     * {@code a + b} in canonical form, as Quantity.Add: the notation is {@code a}'s, or {@code b}'s
     * when {@code a} is zero (so a sum started from "0" prints memory as {@code 128Mi}). Null reads as zero.
     */
    public static Quantity add(Quantity a, Quantity b) {
        return combine(a, b, false);
    }

    /** {@code a - b} in canonical form, with Quantity.Sub's choice of notation (as {@link #add}). */
    public static Quantity subtract(Quantity a, Quantity b) {
        return combine(a, b, true);
    }

    private static Quantity combine(Quantity a, Quantity b, boolean negate) {
        Parsed x = a == null ? ZERO : parse(text(a)).orElseThrow(() -> new IllegalArgumentException(FORMAT_MESSAGE));
        Parsed y = b == null ? ZERO : parse(text(b)).orElseThrow(() -> new IllegalArgumentException(FORMAT_MESSAGE));
        BigDecimal sum = negate ? x.value().subtract(y.value()) : x.value().add(y.value());
        return new Quantity(format(new Parsed(sum, x.value().signum() == 0 ? y.format() : x.format())));
    }

    private static final Parsed ZERO = new Parsed(BigDecimal.ZERO, Format.DECIMAL_SI);

    private static String text(Quantity q) {
        String amount = q.getAmount() == null ? "" : q.getAmount();
        return q.getFormat() == null ? amount : amount + q.getFormat();
    }

    private static Optional<Parsed> parse(String s) {
        Matcher m = GRAMMAR.matcher(s.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal number = new BigDecimal(m.group(2).endsWith(".") ? m.group(2) + "0" : m.group(2));
        if (m.group(1).equals("-")) {
            number = number.negate();
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        Format format;
        BigDecimal value;
        int binary = java.util.Arrays.asList(BINARY_SUFFIXES).indexOf(suffix);
        if (binary > 0) {
            format = Format.BINARY_SI;
            value = number.multiply(new BigDecimal(KI.pow(binary)));
        } else if (suffix.startsWith("e") || suffix.startsWith("E")) {
            format = Format.DECIMAL_EXPONENT;
            value = number.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
        } else {
            format = Format.DECIMAL_SI;
            value = number.scaleByPowerOfTen(DECIMAL_SUFFIXES.get(suffix));
        }
        if (value.scale() > 9) {
            value = value.setScale(9, RoundingMode.UP);
        }
        return Optional.of(new Parsed(value, format));
    }

    /** CanonicalizeBytes: base 1024 only for exact multiples of at least 1024, otherwise base 10 with an exponent that is a multiple of 3. */
    private static String format(Parsed p) {
        BigDecimal value = p.value();
        if (value.signum() == 0) {
            return "0";
        }
        Format format = p.format();
        if (format == Format.BINARY_SI && (value.abs().compareTo(BigDecimal.valueOf(1024)) < 0
                || value.stripTrailingZeros().scale() > 0)) {
            format = Format.DECIMAL_SI;
        }
        if (format == Format.BINARY_SI) {
            BigInteger n = value.toBigIntegerExact();
            int exponent = 0;
            while (exponent < BINARY_SUFFIXES.length - 1 && n.mod(KI).signum() == 0) {
                n = n.divide(KI);
                exponent++;
            }
            return n + BINARY_SUFFIXES[exponent];
        }
        BigDecimal stripped = value.stripTrailingZeros();
        BigInteger mantissa = stripped.unscaledValue();
        int exponent = -stripped.scale();
        int down = Math.floorMod(exponent, 3);
        mantissa = mantissa.multiply(BigInteger.TEN.pow(down));
        exponent -= down;
        if (format == Format.DECIMAL_SI) {
            for (var e : DECIMAL_SUFFIXES.entrySet()) {
                if (e.getValue() == exponent) {
                    return mantissa + e.getKey();
                }
            }
        }
        return exponent == 0 ? mantissa.toString() : mantissa + "e" + exponent;
    }
}
