package dev.skiff.apiserver.openapi;

import dev.skiff.apiserver.endpoints.ApiRequest;
import dev.skiff.apiserver.endpoints.ApiResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One encoded OpenAPI document and its hash (SHA-512, upper-case hex, as kube-openapi computes
 * it), answered with an ETag and a 304 when the client already has it.
 */
record CachedDocument(byte[] bytes, String contentType, String hash) {

    static CachedDocument of(byte[] bytes, String contentType) {
        try {
            return new CachedDocument(bytes, contentType,
                    HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String etag() {
        return "\"" + hash + "\"";
    }

    void send(ApiRequest request, ApiResponse response, Map<String, String> cacheHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(cacheHeaders);
        headers.put("ETag", etag());
        headers.put("Vary", "Accept");
        String ifNoneMatch = request.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.equals(etag()) || ifNoneMatch.equals(hash))) {
            response.send(304, contentType, headers, new byte[0]);
            return;
        }
        response.send(200, contentType, headers, bytes);
    }
}
