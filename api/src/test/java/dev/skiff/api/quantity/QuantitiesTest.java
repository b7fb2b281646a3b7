package dev.skiff.api.quantity;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class QuantitiesTest {

    @Test
    void printsTheCanonicalFormAsQuantityString() {
        assertThat(Quantities.canonical(new Quantity("1.5Gi"))).isEqualTo("1536Mi");
        assertThat(Quantities.canonical(new Quantity("2048Ki"))).isEqualTo("2Mi");
        assertThat(Quantities.canonical(new Quantity("512Ki"))).isEqualTo("512Ki");
        assertThat(Quantities.canonical(new Quantity("1000m"))).isEqualTo("1");
        assertThat(Quantities.canonical(new Quantity("1500"))).isEqualTo("1500");
        assertThat(Quantities.canonical(new Quantity("2000"))).isEqualTo("2k");
        assertThat(Quantities.canonical(new Quantity("0.1"))).isEqualTo("100m");
        assertThat(Quantities.canonical(new Quantity("1e3"))).isEqualTo("1e3");
        assertThat(Quantities.canonical(new Quantity("0Gi"))).isEqualTo("0");
        // binary values below 1Ki or with a fraction print in decimal
        assertThat(Quantities.canonical(new Quantity("0.5Ki"))).isEqualTo("512");
        assertThat(Quantities.canonical(null)).isEqualTo("0");
    }

    @Test
    void acceptsOnlyUpstreamsGrammar() {
        assertThat(Quantities.isValid(new Quantity("10Gi"))).isTrue();
        assertThat(Quantities.isValid(new Quantity("-1"))).isTrue();
        assertThat(Quantities.isValid(new Quantity(".5"))).isTrue();
        assertThat(Quantities.isValid(new Quantity("10GB"))).isFalse();
        assertThat(Quantities.isValid(new Quantity("abc"))).isFalse();
        assertThat(Quantities.isValid(new Quantity("1Gi", null))).isTrue();
        assertThat(Quantities.value(new Quantity("1Ki"))).isEqualByComparingTo(BigDecimal.valueOf(1024));
        assertThat(Quantities.compare(new Quantity("1Gi"), new Quantity("1000Mi"))).isPositive();
        assertThat(Quantities.compare(new Quantity("1G"), new Quantity("1000M"))).isZero();
    }
}
