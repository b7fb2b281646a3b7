package dev.skiff.scheduler.framework.plugins.imagelocality;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.scheduler.framework.CycleState;
import dev.skiff.scheduler.framework.ImageStateSummary;
import dev.skiff.scheduler.framework.NodeInfo;
import dev.skiff.scheduler.framework.PodInfo;
import dev.skiff.scheduler.testing.MakeNode;
import dev.skiff.scheduler.testing.MakePod;
import dev.skiff.scheduler.testing.TestHandle;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageLocalityTest {
    @Test
    void scoresByImageSizeSpreadOverNodes() {
        TestHandle h = new TestHandle(List.of(MakeNode.node("a").obj(), MakeNode.node("b").obj()), List.of());
        ImageLocality pl = new ImageLocality(h);
        NodeInfo withImage = h.snapshot.nodeInfoList.get(0);
        // 500 MB image on 2 of 2 nodes: (500-23)/(1000-23)*100 = 48
        withImage.setImageStates(Map.of("app:1", new ImageStateSummary(500 * ImageLocality.MB, 2)));
        PodInfo p = PodInfo.of(MakePod.pod("p").image("app:1").obj());
        var state = new CycleState();
        assertThat(pl.preScore(state, p, h.snapshot.nodeInfoList).isSuccess()).isTrue();
        assertThat(pl.score(state, p, withImage)).isEqualTo(48);
        assertThat(pl.score(state, p, h.snapshot.nodeInfoList.get(1))).isZero();
        assertThat(pl.score(new CycleState(), p, withImage)).as("without PreScore (a profile enabling Score only)").isEqualTo(48);
        assertThat(ImageLocality.normalizedImageName("busybox")).isEqualTo("busybox:latest");
        assertThat(ImageLocality.normalizedImageName("localhost:5000/busybox")).isEqualTo("localhost:5000/busybox:latest");
    }
}
