package dev.skiff.agent.probe.http;

import dev.skiff.agent.probe.ProbeException;
import dev.skiff.agent.probe.ProbeOutcome;
import dev.skiff.agent.probe.Probes;
import dev.skiff.agent.probe.Result;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The httpGet probe (upstream: pkg/probe/http) and the HTTP GET lifecycle hooks share: one GET per
 * run over a fresh connection ({@code Connection: close}, as upstream's transport without
 * keep-alives), HTTP/1.1, https without certificate checks. Headers as upstream's request builder:
 * the spec's httpHeaders, {@code User-Agent: kube-probe/1.33} and {@code Accept: *}{@code /*} unless
 * given (an empty Accept drops it), a Host header sets the request's host. Redirects are followed
 * while they stay on the same host name, at most 10; one to another host is not followed and its 3xx
 * response is the answer (a Warning: success, with an event). 200..399 succeeds with the first 10 KiB
 * of the body as output; other codes fail with "HTTP probe failed with statuscode: 503"; transport
 * errors fail with Go's wording ({@code Get "http://10.0.0.5:80/": dial tcp 10.0.0.5:80: connect:
 * connection refused}). Written on a plain socket rather than java.net.http because the JDK client
 * refuses to set the Host header a probe may carry.
 */
public final class HttpProber {
    /** Upstream reads at most this much of a probe's response body. */
    public static final int MAX_RESPONSE_BODY = 10 * 1024;
    private static final int MAX_REDIRECTS = 10;
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    /** A GET as the kubelet sends it: URL and headers in order (names as given). */
    public record ProbeRequest(URI url, List<Map.Entry<String, String>> headers) {
        String header(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst().orElse(null);
        }
    }

    /** An HTTP response: status code and the start of the body. */
    public record Response(int statusCode, String body) {
    }

    /** A GET that did not get a response; the message is Go's client error (Get "url": ...). */
    public static final class HttpError extends IOException {
        HttpError(String message) {
            super(message);
        }
    }

    private HttpProber() {
    }

    /**
     * The request for an httpGet action (upstream's NewRequestForHTTPGetAction): scheme lower-cased
     * (default http), host default {@code podIp}, port by number or container port name, path as given.
     * {@code purpose} names the User-Agent: "probe" or "lifecycle".
     */
    public static ProbeRequest forHttpGet(HTTPGetAction get, Container container, String podIp, String purpose) throws ProbeException {
        String scheme = get.getScheme() == null || get.getScheme().isEmpty() ? "http" : get.getScheme().toLowerCase(Locale.ROOT);
        String host = get.getHost() == null || get.getHost().isEmpty() ? podIp : get.getHost();
        int port = Probes.resolveContainerPort(get.getPort(), container);
        URI url = url(scheme, host, port, get.getPath() == null ? "" : get.getPath());
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (HTTPHeader h : get.getHttpHeaders() == null ? List.<HTTPHeader>of() : get.getHttpHeaders()) {
            headers.add(Map.entry(h.getName(), h.getValue() == null ? "" : h.getValue()));
        }
        var request = new ProbeRequest(url, headers);
        if (request.header("User-Agent") == null) {
            headers.add(Map.entry("User-Agent", Probes.userAgent(purpose)));
        }
        String accept = request.header("Accept");
        if (accept == null) {
            headers.add(Map.entry("Accept", "*/*"));
        } else if (accept.isEmpty()) {
            headers.removeIf(h -> h.getKey().equalsIgnoreCase("Accept"));
        }
        return new ProbeRequest(url, List.copyOf(headers));
    }

    static URI url(String scheme, String host, int port, String path) throws ProbeException {
        String authority = Probes.joinHostPort(host, port);
        String suffix = path.isEmpty() || path.startsWith("/") ? path : "/" + path;
        try {
            return new URI(scheme + "://" + authority + suffix);
        } catch (URISyntaxException e) {
            try { // a path the URL syntax rejects goes as a path, escaped (upstream passes such a path along as is)
                int query = suffix.indexOf('?');
                return new URI(scheme, null, host, port, query < 0 ? suffix : suffix.substring(0, query),
                        query < 0 ? null : suffix.substring(query + 1), null);
            } catch (URISyntaxException again) {
                throw new ProbeException("parse \"" + scheme + "://" + authority + suffix + "\": " + again.getReason());
            }
        }
    }

    /** Runs the probe: 2xx success, 3xx warning (a redirect not followed), else failure; see the class comment. */
    public static ProbeOutcome probe(ProbeRequest request, Duration timeout) {
        Response response;
        try {
            response = get(request, timeout);
        } catch (IOException e) {
            return ProbeOutcome.failure(e.getMessage());
        }
        int code = response.statusCode();
        if (code >= 200 && code < 400) {
            return code >= 300 ? new ProbeOutcome(Result.WARNING, "Probe terminated redirects, Response body: " + response.body())
                    : ProbeOutcome.success(response.body());
        }
        return ProbeOutcome.failure("HTTP probe failed with statuscode: " + code);
    }

    /** The GET with same-host redirects followed, all within {@code timeout}; errors as {@link HttpError}. */
    public static Response get(ProbeRequest request, Duration timeout) throws HttpError {
        Instant deadline = Instant.now().plus(timeout);
        URI url = request.url();
        String firstHost = url.getHost();
        for (int redirects = 0; ; redirects++) {
            Map<String, String> responseHeaders = new LinkedHashMap<>();
            Response response;
            try {
                response = exchange(url, request, deadline, responseHeaders);
            } catch (SocketTimeoutException e) {
                throw new HttpError("Get \"" + url + "\": " + (e.getMessage() != null && e.getMessage().startsWith("dial tcp")
                        ? e.getMessage() + " (Client.Timeout exceeded while awaiting headers)"
                        : "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
            } catch (IOException e) {
                throw new HttpError("Get \"" + url + "\": " + e.getMessage());
            }
            String location = responseHeaders.get("location");
            if (!REDIRECTS.contains(response.statusCode()) || location == null) {
                return response;
            }
            URI next;
            try {
                next = url.resolve(new URI(location));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new HttpError("Get \"" + url + "\": failed to parse Location header \"" + location + "\": " + e.getMessage());
            }
            if (next.getHost() == null || !next.getHost().equalsIgnoreCase(firstHost)) {
                return response; // upstream's redirect checker: another host is not followed, this response is the answer
            }
            if (redirects + 1 > MAX_REDIRECTS) {
                throw new HttpError("Get \"" + next + "\": stopped after " + MAX_REDIRECTS + " redirects");
            }
            url = next;
        }
    }

    private static Response exchange(URI url, ProbeRequest request, Instant deadline, Map<String, String> responseHeaders) throws IOException {
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        try (Socket plain = new Socket()) {
            try {
                plain.connect(new InetSocketAddress(host, port), (int) Math.max(1, remaining(deadline)));
            } catch (IOException e) {
                String dial = Probes.dialError(host, port, e);
                throw e instanceof SocketTimeoutException ? new SocketTimeoutException(dial) : new IOException(dial, e);
            }
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining(deadline)));
            Socket socket = https ? tls(plain, host, port) : plain;
            OutputStream out = socket.getOutputStream();
            out.write(requestBytes(url, request, https, port));
            out.flush();
            InputStream in = new BufferedInputStream(new DeadlineInputStream(socket, deadline));
            int status;
            do { // interim 1xx responses come before the real one
                String statusLine = readLine(in);
                String[] parts = statusLine.split(" ", 3);
                if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                    throw new IOException("net/http: HTTP/1.x transport connection broken: malformed HTTP response \"" + statusLine + "\"");
                }
                status = Integer.parseInt(parts[1]);
                responseHeaders.clear();
                for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        responseHeaders.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                    }
                }
            } while (status >= 100 && status < 200);
            return new Response(status, status == 204 || status == 304 ? "" : body(in, responseHeaders));
        }
    }

    private static byte[] requestBytes(URI url, ProbeRequest request, boolean https, int port) {
        String target = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        String hostHeader = request.header("Host");
        if (hostHeader == null || !url.getRawAuthority().equalsIgnoreCase(request.url().getRawAuthority())) {
            hostHeader = url.getRawAuthority();
        }
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n").append("Host: ").append(hostHeader).append("\r\n");
        for (Map.Entry<String, String> h : request.headers()) {
            if (!h.getKey().equalsIgnoreCase("Host") && !h.getKey().equalsIgnoreCase("Connection")) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
        }
        head.append("Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The body (chunked, sized or up to EOF), at most {@link #MAX_RESPONSE_BODY} bytes of it. */
    private static String body(InputStream in, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            while (body.size() < MAX_RESPONSE_BODY) {
                String sizeLine = readLine(in);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    break;
                }
                copy(in, body, size);
                readLine(in);
            }
        } else {
            String length = headers.get("content-length");
            copy(in, body, length == null ? Long.MAX_VALUE : Long.parseLong(length));
        }
        byte[] bytes = body.toByteArray();
        return new String(bytes, 0, Math.min(bytes.length, MAX_RESPONSE_BODY), StandardCharsets.UTF_8);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out, long count) throws IOException {
        byte[] buffer = new byte[4096];
        long left = count;
        while (left > 0 && out.size() < MAX_RESPONSE_BODY) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                if (count != Long.MAX_VALUE) {
                    throw new IOException("unexpected EOF");
                }
                return;
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("EOF");
            }
            if (line.size() > 64 * 1024) {
                throw new IOException("net/http: server response headers exceeded the limit");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static long remaining(Instant deadline) throws SocketTimeoutException {
        long millis = Duration.between(Instant.now(), deadline).toMillis();
        if (millis <= 0) {
            throw new SocketTimeoutException();
        }
        return millis;
    }

    /** https as upstream's prober does it: any certificate accepted (InsecureSkipVerify). */
    private static Socket tls(Socket plain, String host, int port) throws IOException {
        try {
            SSLContext context = dev.skiff.api.tls.AnyServerTrust.sslContext(null);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
            socket.startHandshake();
            return socket;
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Reads that give up at the request's deadline (upstream's client timeout covers the whole exchange). */
    private static final class DeadlineInputStream extends FilterInputStream {
        private final Socket socket;
        private final Instant deadline;

        DeadlineInputStream(Socket socket, Instant deadline) throws IOException {
            super(socket.getInputStream());
            this.socket = socket;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining(deadline)));
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining(deadline)));
            return super.read(b, off, len);
        }
    }
}
