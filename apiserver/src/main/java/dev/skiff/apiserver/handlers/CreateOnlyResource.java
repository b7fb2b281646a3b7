package dev.skiff.apiserver.handlers;

import dev.skiff.api.resource.ResourceInfo;
import dev.skiff.apiserver.authn.UserInfo;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A resource that is only ever created and never stored (the access and token reviews): the
 * handler decodes the body into {@code type}, hands it with the caller to {@link Review#create}
 * and answers 201 with what that returns, at the request's apiVersion.
 */
public record CreateOnlyResource<T extends HasMetadata>(ResourceInfo info, Class<T> type, Review<T> review) {

    /** The resource's logic: from the request body and the caller, the object to answer with (status filled in). */
    @FunctionalInterface
    public interface Review<T extends HasMetadata> {
        HasMetadata create(T input, UserInfo user);
    }

    HasMetadata create(HasMetadata input, UserInfo user) {
        return review.create(type.cast(input), user);
    }
}
