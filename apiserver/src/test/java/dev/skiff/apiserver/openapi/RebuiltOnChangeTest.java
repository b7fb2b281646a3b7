package dev.skiff.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.api.resource.GroupVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RebuiltOnChangeTest {
    @Test
    void buildsOncePerPublishedListInstance() {
        List<List<AggregatedSpec>> builds = new ArrayList<>();
        var cache = new RebuiltOnChange<>(specs -> {
            builds.add(specs);
            return specs.size();
        });
        assertThat(cache.get()).isZero();
        assertThat(cache.get()).isZero();
        assertThat(builds).hasSize(1);

        var spec = new AggregatedSpec(new GroupVersion("widgets.example.com", "v1"), null, null);
        var published = new AtomicReference<>(List.of(spec));
        cache.source(published::get);
        assertThat(cache.get()).isEqualTo(1);
        assertThat(cache.get()).isEqualTo(1);
        assertThat(builds).hasSize(2);

        published.set(List.of(spec)); // another list, though equal: the aggregator hands one out only on change
        assertThat(cache.get()).isEqualTo(1);
        assertThat(builds).hasSize(3);
    }
}
