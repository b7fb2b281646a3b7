package dev.skiff.apiserver.endpoints;

/** {@code GET /version}. */
public final class VersionHandler implements ApiHandler {
    private final VersionInfo version;

    public VersionHandler(VersionInfo version) {
        this.version = version;
    }

    @Override
    public void handle(ApiRequest request, ApiResponse response) {
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            throw dev.skiff.api.errors.ApiException.methodNotSupported("version", request.method());
        }
        response.json(200, version);
    }
}
