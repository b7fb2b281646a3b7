package dev.skiff.controller.nodeipam.cidrset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrSetTest {

    @Test
    void handsOutSubnetsInOrderSkippingTakenOnesAndNotReusingAReleasedOneAtOnce() {
        var set = new CidrSet("10.42.0.0/16", 24);
        set.occupy("10.42.1.0/24");
        assertThat(set.allocateNext()).isEqualTo("10.42.0.0/24");
        assertThat(set.allocateNext()).isEqualTo("10.42.2.0/24");
        set.release("10.42.0.0/24");
        assertThat(set.allocateNext()).isEqualTo("10.42.3.0/24");
        assertThat(set.isTaken("10.42.0.0/24")).isFalse();
        assertThat(set.isTaken("10.42.1.0/24")).isTrue();
    }

    @Test
    void wrapsAroundAndFailsWhenFull() {
        var set = new CidrSet("192.168.0.0/22", 24);
        assertThat(set.allocateNext()).isEqualTo("192.168.0.0/24");
        assertThat(set.allocateNext()).isEqualTo("192.168.1.0/24");
        assertThat(set.allocateNext()).isEqualTo("192.168.2.0/24");
        set.release("192.168.1.0/24");
        assertThat(set.allocateNext()).isEqualTo("192.168.3.0/24");
        assertThat(set.allocateNext()).isEqualTo("192.168.1.0/24");
        assertThatThrownBy(set::allocateNext).isInstanceOf(CidrSetFullException.class)
                .hasMessageContaining("no remaining CIDRs left");
    }

    @Test
    void occupyingAWiderCidrTakesEverySubnetItCovers() {
        var set = new CidrSet("10.0.0.0/16", 24);
        set.occupy("10.0.0.0/23");
        assertThat(set.allocateNext()).isEqualTo("10.0.2.0/24");
    }

    @Test
    void rejectsCidrsOutsideTheRangeAndBadMasks() {
        var set = new CidrSet("10.42.0.0/16", 24);
        assertThat(set.contains("10.42.7.0/24")).isTrue();
        assertThat(set.contains("10.64.0.0/24")).isFalse();
        assertThatThrownBy(() -> set.occupy("10.64.0.0/24")).hasMessage("cidr 10.64.0.0/24 is out the range of cluster cidr 10.42.0.0/16");
        assertThatThrownBy(() -> new CidrSet("10.42.0.0/16", 8)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CidrSet("10.0.0.0/8", 28)).hasMessageContaining("at most 16 bits");
        assertThatThrownBy(() -> new CidrSet("10.42.0.0", 24)).hasMessage("invalid CIDR address: 10.42.0.0");
        assertThatThrownBy(() -> new CidrSet("fd00::/48", 64)).hasMessageContaining("only IPv4");
    }
}
