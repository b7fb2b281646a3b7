package dev.skiff.registry.batch.cronjob;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a CronJob schedule as upstream does with robfig/cron's standard parser: five fields
 * (minute hour day-of-month month day-of-week) with lists, ranges, steps, month and weekday names
 * and '?', or a descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly,
 * @every duration), optionally after a TZ=/CRON_TZ= prefix. The error texts are the parser's,
 * because upstream puts them in the field error.
 */
final class CronSchedule {
    private record Bounds(String name, int min, int max, Map<String, Integer> names) {
    }

    private static final List<Bounds> FIELDS = List.of(
            new Bounds("minute", 0, 59, Map.of()),
            new Bounds("hour", 0, 23, Map.of()),
            new Bounds("dom", 1, 31, Map.of()),
            new Bounds("month", 1, 12, Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
                    Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
                    Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12))),
            new Bounds("dow", 0, 6, Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6)));
    private static final List<String> DESCRIPTORS = List.of("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly");
    private static final Pattern GO_DURATION = Pattern.compile("([0-9]*(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+");

    private CronSchedule() {
    }

    /** The parser's error for {@code spec}, or empty when it parses. */
    static Optional<String> error(String spec) {
        if (spec.isEmpty()) {
            return Optional.of("empty spec string");
        }
        if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
            int space = spec.indexOf(' ');
            String zone = spec.substring(spec.indexOf('=') + 1, space < 0 ? spec.length() : space);
            try {
                ZoneId.of(zone);
            } catch (DateTimeException e) {
                return Optional.of("provided bad location " + zone + ": unknown time zone " + zone);
            }
            spec = space < 0 ? "" : spec.substring(space).trim();
        }
        if (spec.startsWith("@")) {
            return descriptor(spec);
        }
        String[] fields = spec.trim().isEmpty() ? new String[0] : spec.trim().split("\\s+");
        if (fields.length != FIELDS.size()) {
            return Optional.of("expected exactly " + FIELDS.size() + " fields, found " + fields.length + ": [" + String.join(" ", fields) + "]");
        }
        for (int i = 0; i < fields.length; i++) {
            for (String range : fields[i].split(",", -1)) {
                Optional<String> error = range(range, FIELDS.get(i));
                if (error.isPresent()) {
                    return error;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> descriptor(String spec) {
        if (DESCRIPTORS.contains(spec)) {
            return Optional.empty();
        }
        if (spec.startsWith("@every ")) {
            String duration = spec.substring("@every ".length()).trim();
            if (!GO_DURATION.matcher(duration.startsWith("-") || duration.startsWith("+") ? duration.substring(1) : duration).matches()) {
                return Optional.of("failed to parse duration " + spec + ": time: invalid duration \"" + duration + "\"");
            }
            return Optional.empty();
        }
        return Optional.of("unrecognized descriptor: " + spec);
    }

    private static Optional<String> range(String expr, Bounds bounds) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean single = lowAndHigh.length == 1;
        int start;
        int end;
        try {
            if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
                start = bounds.min();
                end = bounds.max();
            } else {
                start = intOrName(lowAndHigh[0], bounds);
                switch (lowAndHigh.length) {
                    case 1 -> end = start;
                    case 2 -> end = intOrName(lowAndHigh[1], bounds);
                    default -> {
                        return Optional.of("too many hyphens: " + expr);
                    }
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
                }
                default -> {
                    return Optional.of("too many slashes: " + expr);
                }
            }
            if (start < bounds.min()) {
                return Optional.of("beginning of range (" + start + ") below minimum (" + bounds.min() + "): " + expr);
            }
            if (end > bounds.max()) {
                return Optional.of("end of range (" + end + ") above maximum (" + bounds.max() + "): " + expr);
            }
            if (start > end) {
                return Optional.of("beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
            }
            if (step == 0) {
                return Optional.of("step of range should be a positive number: " + expr);
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static int intOrName(String expr, Bounds bounds) {
        Integer named = bounds.names().get(expr.toLowerCase(java.util.Locale.ROOT));
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
