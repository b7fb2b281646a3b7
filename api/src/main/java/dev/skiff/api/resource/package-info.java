/**
 * The resources the API server serves, written out once as data
 * ({@code BuiltInResources}) and looked up through {@link dev.skiff.api.resource.ResourceRegistry}.
 * Discovery, routing, storage keys and kubectl's short names all read from here, so a resource
 * is added in one place.
 */
package dev.skiff.api.resource;
