package dev.skiff.api.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimpleNameGeneratorTest {

    @Test
    void appendsFiveCharactersFromTheVowelFreeAlphabet() {
        String name = new SimpleNameGenerator(new SplittableRandom(1)).generateName("web-");
        assertThat(name).hasSize(9).startsWith("web-");
        assertThat(name.substring(4)).matches("[bcdfghjklmnpqrstvwxz2456789]{5}");
    }

    @Test
    void cutsALongBaseSoTheNameFitsSixtyThreeCharacters() {
        String name = new SimpleNameGenerator(new SplittableRandom(1)).generateName("a".repeat(100));
        assertThat(name).hasSize(63).startsWith("a".repeat(58));
    }

    @Test
    void theSameSeedGivesTheSameName() {
        assertThat(new SimpleNameGenerator(new SplittableRandom(7)).generateName("x-"))
                .isEqualTo(new SimpleNameGenerator(new SplittableRandom(7)).generateName("x-"));
    }
}
