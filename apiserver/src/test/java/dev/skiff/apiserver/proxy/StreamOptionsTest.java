package dev.skiff.apiserver.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.skiff.api.errors.ApiException;
import dev.skiff.apiserver.httpstream.wsstream.RemoteCommandChannels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamOptionsTest {
    @Test
    void readsTheStreamsAskedForInTheQuery() {
        assertThat(StreamOptions.fromQuery(Map.of("stdin", List.of("true"), "stdout", List.of("1"), "tty", List.of("t"))))
                .isEqualTo(new StreamOptions(true, true, false, true));
    }

    @Test
    void refusesARequestForNoStreamWithUpstreamsMessage() {
        assertThatThrownBy(() -> StreamOptions.fromQuery(Map.of("command", List.of("true"), "stdout", List.of("false"))))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("you must specify at least 1 of stdin, stdout, stderr");
                });
    }

    @Test
    void refusesAFlagThatIsNotABoolean() {
        assertThatThrownBy(() -> StreamOptions.fromQuery(Map.of("stdout", List.of("yes"))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void translatesOnlyWhenV5IsOfferedAndTunnelsOnlyTheTunnellingProtocol() {
        var kubectl133 = RemoteCommandChannels.offered(List.of("v5.channel.k8s.io"));
        var python = RemoteCommandChannels.offered(List.of("v4.channel.k8s.io, channel.k8s.io"));
        var both = RemoteCommandChannels.offered(List.of("v4.channel.k8s.io", " v5.channel.k8s.io ,v3.channel.k8s.io"));
        assertThat(StreamTranslatorProxy.wanted(kubectl133)).isTrue();
        assertThat(StreamTranslatorProxy.wanted(python)).isFalse();
        assertThat(StreamTranslatorProxy.wanted(both)).isTrue();
        assertThat(python).containsExactly("v4.channel.k8s.io", "channel.k8s.io");
        assertThat(StreamTunnelProxy.wanted(RemoteCommandChannels.offered(List.of("SPDY/3.1+portforward.k8s.io")))).isTrue();
        assertThat(StreamTunnelProxy.wanted(kubectl133)).isFalse();
    }
}
