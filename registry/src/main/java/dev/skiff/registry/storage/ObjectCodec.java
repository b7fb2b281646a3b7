package dev.skiff.registry.storage;

import dev.skiff.api.meta.MicroTime;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    public ByteString encode(HasMetadata object) {
        ObjectNode tree = mapper.valueToTree(object);
        if (tree.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove("resourceVersion");
            metadata.remove("selfLink");
        }
        try {
            return ByteString.copyFrom(mapper.writeValueAsBytes(tree));
        } catch (IOException e) {
            throw ApiException.internal("encoding " + object.getKind() + ": " + e.getMessage());
        }
    }

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
