package dev.skiff.api.cron;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CronJob schedule as upstream reads it with robfig/cron's standard parser: five fields
 * (minute hour day-of-month month day-of-week) with lists, ranges, steps, month and weekday names
 * and '?', or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly,
 * @every duration), optionally after a TZ=/CRON_TZ= prefix. The API server uses {@link #error} to
 * validate (the error texts are the parser's, because upstream puts them in the field error); the
 * CronJob controller uses {@link #next} to find run times. Written here rather than taken from a
 * cron library because those differ from robfig in the details upstream exposes: its error texts,
 * '?', @every, and the rule that day-of-month and day-of-week are OR-ed only when neither is '*'.
 */
public final class CronSchedule {
    private record Bounds(String name, int min, int max, Map<String, Integer> names) {
    }

    /** Set on a field written as '*' or '?' (robfig's starBit): matters for the day-of-month/day-of-week rule. */
    private static final long STAR = 1L << 63;
    private static final List<Bounds> FIELDS = List.of(
            new Bounds("minute", 0, 59, Map.of()),
            new Bounds("hour", 0, 23, Map.of()),
            new Bounds("dom", 1, 31, Map.of()),
            new Bounds("month", 1, 12, Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
                    Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
                    Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12))),
            new Bounds("dow", 0, 6, Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6)));
    private static final Map<String, String> DESCRIPTORS = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");
    private static final Pattern GO_DURATION = Pattern.compile("([0-9]*(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+");
    private static final Pattern GO_DURATION_PART = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");
    /** robfig gives up looking for a match five years ahead. */
    private static final int YEARS_AHEAD = 5;

    private final long[] fields;
    private final Duration every;
    private final ZoneId location;

    private CronSchedule(long[] fields, Duration every, ZoneId location) {
        this.fields = fields;
        this.every = every;
        this.location = location;
    }

    /** The parser's error for {@code spec}, or empty when it parses. */
    public static Optional<String> error(String spec) {
        try {
            parse(spec);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Parses {@code spec}; an IllegalArgumentException carries the parser's error text. */
    public static CronSchedule parse(String spec) {
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("empty spec string");
        }
        ZoneId location = null;
        if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
            int space = spec.indexOf(' ');
            String zone = spec.substring(spec.indexOf('=') + 1, space < 0 ? spec.length() : space);
            try {
                location = ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("provided bad location " + zone + ": unknown time zone " + zone);
            }
            spec = space < 0 ? "" : spec.substring(space).trim();
        }
        if (spec.startsWith("@")) {
            return descriptor(spec, location);
        }
        String[] exprs = spec.trim().isEmpty() ? new String[0] : spec.trim().split("\\s+");
        if (exprs.length != FIELDS.size()) {
            throw new IllegalArgumentException("expected exactly " + FIELDS.size() + " fields, found " + exprs.length
                    + ": [" + String.join(" ", exprs) + "]");
        }
        long[] bits = new long[exprs.length];
        for (int i = 0; i < exprs.length; i++) {
            for (String range : exprs[i].split(",", -1)) {
                bits[i] |= range(range, FIELDS.get(i));
            }
        }
        return new CronSchedule(bits, null, location);
    }

    /** The zone a TZ=/CRON_TZ= prefix named, if any. */
    public Optional<ZoneId> location() {
        return Optional.ofNullable(location);
    }

    /**
     * The first activation strictly after {@code after}, in {@code after}'s zone (or the prefix's);
     * null when there is none within five years (e.g. February 30th).
     */
    public ZonedDateTime next(ZonedDateTime after) {
        if (location != null) {
            after = after.withZoneSameInstant(location);
        }
        if (every != null) {
            return after.truncatedTo(ChronoUnit.SECONDS).plus(every);
        }
        LocalDateTime t = after.toLocalDateTime().truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        int lastYear = t.getYear() + YEARS_AHEAD;
        while (t.getYear() <= lastYear) {
            if (!has(3, t.getMonthValue())) {
                t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
            } else if (!dayMatches(t)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
            } else if (!has(1, t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!has(0, t.getMinute())) {
                t = t.plusMinutes(1);
            } else {
                ZonedDateTime z = ZonedDateTime.of(t, after.getZone());
                if (z.isAfter(after)) {
                    return z;
                }
                t = t.plusMinutes(1); // a wall time repeated when clocks went back
            }
        }
        return null;
    }

    private boolean has(int field, int value) {
        return (fields[field] & (1L << value)) != 0;
    }

    private boolean dayMatches(LocalDateTime t) {
        boolean dom = has(2, t.getDayOfMonth());
        boolean dow = has(4, t.getDayOfWeek().getValue() % 7);
        return (fields[2] & STAR) != 0 || (fields[4] & STAR) != 0 ? dom && dow : dom || dow;
    }

    private static CronSchedule descriptor(String spec, ZoneId location) {
        String fields = DESCRIPTORS.get(spec);
        if (fields != null) {
            CronSchedule s = parse(fields);
            return new CronSchedule(s.fields, null, location);
        }
        if (spec.startsWith("@every ")) {
            String duration = spec.substring("@every ".length()).trim();
            String unsigned = duration.startsWith("-") || duration.startsWith("+") ? duration.substring(1) : duration;
            if (!GO_DURATION.matcher(unsigned).matches()) {
                throw new IllegalArgumentException("failed to parse duration " + spec + ": time: invalid duration \"" + duration + "\"");
            }
            Duration d = goDuration(unsigned);
            // robfig rounds to whole seconds and never fires more often than once a second
            d = d.truncatedTo(ChronoUnit.SECONDS);
            return new CronSchedule(null, d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d, location);
        }
        throw new IllegalArgumentException("unrecognized descriptor: " + spec);
    }

    private static Duration goDuration(String text) {
        Matcher m = GO_DURATION_PART.matcher(text);
        double nanos = 0;
        while (m.find()) {
            double n = m.group(1).isEmpty() || m.group(1).equals(".") ? 0 : Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        return Duration.ofNanos((long) nanos);
    }

    /** The bits one range expression sets (robfig's getRange). */
    private static long range(String expr, Bounds bounds) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean single = lowAndHigh.length == 1;
        int start;
        int end;
        long extra = 0;
        if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
            start = bounds.min();
            end = bounds.max();
            extra = STAR;
        } else {
            start = intOrName(lowAndHigh[0], bounds);
            switch (lowAndHigh.length) {
                case 1 -> end = start;
                case 2 -> end = intOrName(lowAndHigh[1], bounds);
                default -> throw new IllegalArgumentException("too many hyphens: " + expr);
            }
        }
        int step;
        switch (rangeAndStep.length) {
            case 1 -> step = 1;
            case 2 -> {
                step = nonNegativeInt(rangeAndStep[1]);
                if (single) {
                    end = bounds.max();
                }
                if (step > 1) {
                    extra = 0;
                }
            }
            default -> throw new IllegalArgumentException("too many slashes: " + expr);
        }
        if (start < bounds.min()) {
            throw new IllegalArgumentException("beginning of range (" + start + ") below minimum (" + bounds.min() + "): " + expr);
        }
        if (end > bounds.max()) {
            throw new IllegalArgumentException("end of range (" + end + ") above maximum (" + bounds.max() + "): " + expr);
        }
        if (start > end) {
            throw new IllegalArgumentException("beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
        }
        if (step == 0) {
            throw new IllegalArgumentException("step of range should be a positive number: " + expr);
        }
        long bits = extra;
        for (int i = start; i <= end; i += step) {
            bits |= 1L << i;
        }
        return bits;
    }

    private static int intOrName(String expr, Bounds bounds) {
        Integer named = bounds.names().get(expr.toLowerCase(Locale.ROOT));
        return named != null ? named : nonNegativeInt(expr);
    }

    private static int nonNegativeInt(String expr) {
        int n;
        try {
            n = Integer.parseInt(expr);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("failed to parse int from " + expr + ": strconv.Atoi: parsing \"" + expr + "\": invalid syntax");
        }
        if (n < 0) {
            throw new IllegalArgumentException("negative number (" + n + ") not allowed: " + expr);
        }
        return n;
    }
}
