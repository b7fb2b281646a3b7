package dev.skiff.agent.containerd.registries;

import dev.skiff.agent.images.ImageImporter;
import dev.skiff.agent.images.ImageNames;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * k3s's mirror rewrites on a stock containerd. k3s applies {@code mirrors.<registry>.rewrite} inside its own containerd
 * fork: on the mirror's endpoints the repository is rewritten by the first regex that matches, on the registry's
 * default endpoint it is not, and the image keeps its own name. containerd 1.6 has no such setting, so the agent does
 * it around the pull: an image whose repository a rewrite matches is first pulled as
 * {@code <rewrite host>/<rewritten repository>[:tag|@digest]}, where the rewrite host is a name of the mirror's own
 * (never resolved: {@code rewrite-<n>.skiff.invalid}) whose hosts.toml ({@link HostsDir}) has the mirror's endpoints
 * and nothing else; then that image is tagged with the image's own name and the rewritten name removed, with
 * {@code ctr}, so the CRI plugin knows the image by the name the pod gave. When that pull fails the image is pulled
 * by its own name as usual (the registry's hosts.toml: endpoints then the registry), so the endpoints are tried a
 * second time without the rewrite, which k3s does not do.
 */
public final class Rewrites {
    /** Nothing rewritten. */
    public static final Rewrites NONE = new Rewrites(Registries.NONE, null);

    private static final Duration CTR_TIMEOUT = Duration.ofSeconds(30);

    private final Registries registries;
    private final ImageImporter ctr;

    /** @param ctr the containerd's ctr, which renames the pulled image */
    public Rewrites(Registries registries, ImageImporter ctr) {
        this.registries = registries;
        this.ctr = ctr;
    }

    /** The host a mirror's rewritten pulls name, by its place in the file. */
    static String host(Registries r, String mirror) {
        return "rewrite-" + new ArrayList<>(r.mirrors().keySet()).indexOf(mirror) + ".skiff.invalid";
    }

    /** The mirror that serves a registry: its own, else {@code *}; null for none. */
    static String mirrorOf(Registries r, String registry) {
        if (r.mirrors().containsKey(registry)) {
            return registry;
        }
        return r.mirrors().containsKey(Registries.DEFAULT_MIRROR) ? Registries.DEFAULT_MIRROR : null;
    }

    /** The reference to pull {@code image} by from its mirror's endpoints, when a rewrite of that mirror matches it. */
    public Optional<String> pullReference(String image) {
        String normalized = ImageNames.normalize(image);
        String repository = ImageNames.repository(image);
        int slash = repository.indexOf('/');
        String registry = repository.substring(0, slash);
        String path = repository.substring(slash + 1);
        String mirror = mirrorOf(registries, registry);
        if (mirror == null || registries.mirrors().get(mirror).endpoints().isEmpty()) {
            return Optional.empty();
        }
        for (Map.Entry<Pattern, String> e : registries.mirrors().get(mirror).rewrites().entrySet()) {
            Matcher m = e.getKey().matcher(path);
            if (m.find()) {
                String rewritten = m.replaceAll(e.getValue());
                return Optional.of(host(registries, mirror) + "/" + rewritten + normalized.substring(repository.length()));
            }
        }
        return Optional.empty();
    }

    /** Names the image pulled as {@code pulled} {@code image} (normalized) and drops the name {@code pulled}. */
    public void rename(String pulled, String image) throws IOException {
        ctr.ctr(CTR_TIMEOUT, "images", "tag", "--force", pulled, ImageNames.normalize(image));
        ctr.ctr(CTR_TIMEOUT, "images", "rm", pulled);
    }
}
