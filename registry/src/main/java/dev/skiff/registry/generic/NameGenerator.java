package dev.skiff.registry.generic;

import java.util.random.RandomGenerator;

/** Upstream's SimpleNameGenerator: generateName (cut to 58 chars) + 5 chars that cannot spell words. */
final class NameGenerator {
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int RANDOM_LENGTH = 5;
    private static final int MAX_BASE_LENGTH = 63 - RANDOM_LENGTH;

    private final RandomGenerator random;

    NameGenerator(RandomGenerator random) {
        this.random = random;
    }

    String generate(String base) {
        StringBuilder name = new StringBuilder(base.length() > MAX_BASE_LENGTH ? base.substring(0, MAX_BASE_LENGTH) : base);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return name.toString();
    }
}
