package dev.skiff.registry.storage;

import dev.skiff.api.meta.MicroTime;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.filter.FilteringGeneratorDelegate;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import com.google.protobuf.ByteString;
import dev.skiff.api.errors.ApiException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;

/**
 * Objects as stored: JSON without {@code metadata.resourceVersion} (the store's mod revision is
 * the version, as upstream's APIObjectVersioner), so a value never names its own revision.
 */
public final class ObjectCodec {
    private final ObjectMapper mapper;

    public ObjectCodec() {
        this(new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false).registerModule(MicroTime.MODULE)
                .registerModule(new BlackbirdModule()));
    }

    public ObjectCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The object's JSON with the top-level metadata's resourceVersion and selfLink left out, in one pass. */
    public ByteString encode(HasMetadata object) {
        var out = ByteString.newOutput(4096);
        try (JsonGenerator generator = new FilteringGeneratorDelegate(mapper.getFactory().createGenerator(out), STORED,
                TokenFilter.Inclusion.INCLUDE_ALL_AND_PATH, true)) {
            mapper.writeValue(generator, object);
        } catch (IOException e) {
            throw ApiException.internal("encoding " + object.getKind() + ": " + e.getMessage());
        }
        return out.toByteString();
    }

    /** Within the top-level metadata: everything but resourceVersion and selfLink. */
    private static final TokenFilter STORED_METADATA = new TokenFilter() {
        @Override
        public TokenFilter includeProperty(String name) {
            return name.equals("resourceVersion") || name.equals("selfLink") ? null : TokenFilter.INCLUDE_ALL;
        }

        @Override
        public boolean includeEmptyObject(boolean contentsFiltered) {
            return true; // metadata that held only those two stays, empty
        }
    };

    /** The stored form of an object: all of it, its top-level metadata through {@link #STORED_METADATA}. */
    private static final TokenFilter STORED = new TokenFilter() {
        @Override
        public TokenFilter includeProperty(String name) {
            return name.equals("metadata") ? STORED_METADATA : TokenFilter.INCLUDE_ALL;
        }
    };

    /** Decodes a stored value and sets its resourceVersion to {@code revision}. */
    public <T extends HasMetadata> T decode(ByteString value, Class<T> type, long revision) {
        try {
            T object = mapper.readValue(value.toByteArray(), type);
            if (object.getMetadata() == null) {
                // a value written by something else (e.g. etcdctl) without metadata: decode as upstream does, empty metadata
                object.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
            }
            object.getMetadata().setResourceVersion(Long.toString(revision));
            return object;
        } catch (IOException e) {
            throw ApiException.internal("decoding " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** A deep copy, so strategies may mutate what they are handed. */
    public <T extends HasMetadata> T copy(T object) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) object.getClass();
        return mapper.convertValue(object, type);
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
