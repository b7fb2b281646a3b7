package dev.skiff.api.meta;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * metav1.MicroTime in JSON. fabric8's model types MicroTime fields (a Lease's acquireTime and
 * renewTime) as {@link ZonedDateTime}, which plain Jackson refuses; every mapper that reads or
 * writes API objects registers {@link #MODULE}. Written as upstream does, in UTC with exactly six
 * fractional digits (RFC3339Micro); read as any RFC 3339 time.
 */
public final class MicroTime {
    static final DateTimeFormatter RFC3339_MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX");

    public static final SimpleModule MODULE = new SimpleModule("skiff-microtime")
            .addSerializer(ZonedDateTime.class, new JsonSerializer<>() {
                @Override
                public void serialize(ZonedDateTime value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                    gen.writeString(format(value));
                }
            })
            .addDeserializer(ZonedDateTime.class, new JsonDeserializer<>() {
                @Override
                public ZonedDateTime deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                    String text = p.getValueAsString();
                    if (text == null || text.isEmpty()) {
                        return null;
                    }
                    try {
                        return parse(text);
                    } catch (DateTimeParseException e) {
                        return (ZonedDateTime) ctxt.handleWeirdStringValue(ZonedDateTime.class, text,
                                "not an RFC 3339 time: %s", e.getMessage());
                    }
                }
            });

    private MicroTime() {
    }

    public static String format(ZonedDateTime time) {
        return RFC3339_MICRO.format(time.withZoneSameInstant(ZoneOffset.UTC));
    }

    public static ZonedDateTime parse(String text) {
        return ZonedDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }
}
