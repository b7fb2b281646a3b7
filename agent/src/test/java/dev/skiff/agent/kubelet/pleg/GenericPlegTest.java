package dev.skiff.agent.kubelet.pleg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.agent.kubelet.pleg.GenericPleg.EventType;
import dev.skiff.agent.kubelet.pleg.GenericPleg.PodLifecycleEvent;
import dev.skiff.agent.kubelet.pleg.GenericPleg.RuntimeContainer;
import dev.skiff.agent.kubelet.pleg.GenericPleg.State;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The events between two relists, as upstream's generic PLEG generates them. */
class GenericPlegTest {

    private static Map<String, RuntimeContainer> listing(RuntimeContainer... containers) {
        return Arrays.stream(containers).collect(Collectors.toMap(RuntimeContainer::id, Function.identity()));
    }

    private static RuntimeContainer c(String id, State state) {
        return new RuntimeContainer("uid-" + id.charAt(0), id, state);
    }

    @Test
    void aNewRunningContainerStartedAndAnUnchangedOneSaysNothing() {
        assertThat(GenericPleg.events(listing(c("a1", State.RUNNING)), listing(c("a1", State.RUNNING), c("b1", State.RUNNING))))
                .containsExactly(new PodLifecycleEvent("uid-b", EventType.CONTAINER_STARTED, "b1"));
    }

    @Test
    void anExitedContainerDiedAndOneGoneAfterExitingWasRemoved() {
        assertThat(GenericPleg.events(listing(c("a1", State.RUNNING), c("b1", State.EXITED)), listing(c("a1", State.EXITED))))
                .containsExactly(new PodLifecycleEvent("uid-a", EventType.CONTAINER_DIED, "a1"),
                        new PodLifecycleEvent("uid-b", EventType.CONTAINER_REMOVED, "b1"));
    }

    @Test
    void aRunningContainerGoneAtOnceDiedAndWasRemoved() {
        assertThat(GenericPleg.events(listing(c("a1", State.RUNNING)), listing()))
                .containsExactly(new PodLifecycleEvent("uid-a", EventType.CONTAINER_DIED, "a1"),
                        new PodLifecycleEvent("uid-a", EventType.CONTAINER_REMOVED, "a1"));
    }

    @Test
    void aContainerCreatedButNotStartedChangedAndTheFirstListingReportsEverything() {
        assertThat(GenericPleg.events(Map.of(), listing(c("a1", State.UNKNOWN), c("b1", State.EXITED))))
                .containsExactlyInAnyOrder(new PodLifecycleEvent("uid-a", EventType.CONTAINER_CHANGED, "a1"),
                        new PodLifecycleEvent("uid-b", EventType.CONTAINER_DIED, "b1"));
    }
}
