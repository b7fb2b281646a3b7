package dev.skiff.apiserver.endpoints;

import dev.skiff.api.meta.MicroTime;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The JSON encoding of responses: no nulls, as Go's omitempty mostly leaves them out. Blackbird's
 * generated accessors instead of reflective getters, as on the storage codec (reflection was the top
 * cost of this mapper in the scheduler benchmark's profile).
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .registerModule(MicroTime.MODULE)
            .registerModule(new com.fasterxml.jackson.module.blackbird.BlackbirdModule());

    private static final ObjectWriter WRITER = MAPPER.writer();

    private Json() {
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Writes {@code value} to {@code out} as it is encoded, without closing {@code out}. When the encoding
     * fails, what the generator still buffers is dropped rather than flushed after the part already written.
     */
    public static void write(Object value, java.io.OutputStream out) throws java.io.IOException {
        JsonGenerator generator = MAPPER.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        WRITER.writeValue(generator, value);
        generator.close();
    }
}
