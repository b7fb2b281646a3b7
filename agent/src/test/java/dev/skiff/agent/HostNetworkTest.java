package dev.skiff.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostNetworkTest {
    @TempDir
    Path dir;

    @Test
    void aNoteReadsBackAsWritten() {
        var all = new HostNetwork(true, "10.42.0.0/16", "vxlan");
        assertThat(all.format()).isEqualTo("proxy iptables\nmasquerade 10.42.0.0/16\nroutes vxlan\n");
        assertThat(HostNetwork.parse(all.format())).isEqualTo(all);
        var routesOnly = new HostNetwork(false, null, "host-gw");
        assertThat(HostNetwork.parse(routesOnly.format())).isEqualTo(routesOnly);
        assertThat(HostNetwork.parse("")).isEqualTo(new HostNetwork(false, null, null));
    }

    @Test
    void aRestartWithLessKeepsWhatTheEarlierRunLeft() throws Exception {
        new HostNetwork(true, "10.42.0.0/16", "host-gw").record(dir);
        new HostNetwork(false, null, "vxlan").record(dir); // --disable-kube-proxy, no masquerade, another backend
        assertThat(HostNetwork.read(dir)).contains(new HostNetwork(true, "10.42.0.0/16", "vxlan"));
        HostNetwork.forget(dir);
        assertThat(HostNetwork.read(dir)).isEmpty();
        HostNetwork.forget(dir); // nothing to forget: no error
    }

    @Test
    void aDamagedNoteIsAnErrorNamingTheFile() throws Exception {
        assertThatThrownBy(() -> HostNetwork.parse("proxy iptables\nrules everywhere\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("not a host network line: 'rules everywhere'");
        assertThatThrownBy(() -> HostNetwork.parse("masquerade\n")).hasMessage("not a host network line: 'masquerade'");
        Files.writeString(dir.resolve(HostNetwork.FILE), "routes host-gw extra\n");
        assertThatThrownBy(() -> HostNetwork.read(dir)).isInstanceOf(java.io.IOException.class)
                .hasMessage(dir.resolve(HostNetwork.FILE) + ": not a host network line: 'routes host-gw extra'");
    }
}
