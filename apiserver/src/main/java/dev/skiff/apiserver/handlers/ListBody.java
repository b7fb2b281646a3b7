package dev.skiff.apiserver.handlers;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.filter.FilteringGeneratorDelegate;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.util.List;

/**
 * A list response ({@code <Kind>List}) written straight to the output: items are serialized one by
 * one without kind and apiVersion (as upstream's typed lists), never as an intermediate tree, so a
 * list of 100k objects costs one pass. Items are the cache's shared objects: only read here.
 */
record ListBody(String kind, String apiVersion, String resourceVersion, String continueToken, Long remainingItemCount,
                List<? extends HasMetadata> items) implements JsonSerializable {

    /** Drops an item's own top-level kind and apiVersion; everything else passes whole. */
    private static final TokenFilter WITHOUT_TYPE_META = new TokenFilter() {
        @Override
        public TokenFilter includeProperty(String name) {
            return name.equals("kind") || name.equals("apiVersion") ? null : TokenFilter.INCLUDE_ALL;
        }
    };

    @Override
    public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("kind", kind);
        gen.writeStringField("apiVersion", apiVersion);
        gen.writeObjectFieldStart("metadata");
        if (resourceVersion != null) {
            gen.writeStringField("resourceVersion", resourceVersion);
        }
        if (continueToken != null) {
            gen.writeStringField("continue", continueToken);
        }
        if (remainingItemCount != null) {
            gen.writeNumberField("remainingItemCount", remainingItemCount);
        }
        gen.writeEndObject();
        gen.writeArrayFieldStart("items");
        for (HasMetadata object : items) {
            JsonGenerator item = new FilteringGeneratorDelegate(gen, WITHOUT_TYPE_META, TokenFilter.Inclusion.INCLUDE_ALL_AND_PATH, true);
            // the mapper items were always encoded with, so they read exactly as before
            BodyDecoder.JSON.writeValue(item, object);
        }
        gen.writeEndArray();
        gen.writeEndObject();
    }

    @Override
    public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer) throws IOException {
        serialize(gen, serializers);
    }
}
