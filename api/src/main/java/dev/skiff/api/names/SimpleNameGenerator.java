package dev.skiff.api.names;

import java.util.random.RandomGenerator;

/**
 * Turns a generateName into a name as upstream's names.SimpleNameGenerator does: the base cut to
 * 58 characters, then 5 random characters from an alphabet without vowels (no accidental words)
 * and without look-alikes. The random source is injected so tests are repeatable.
 */
public final class SimpleNameGenerator {
    static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    static final int RANDOM_LENGTH = 5;
    static final int MAX_NAME_LENGTH = 63;
    static final int MAX_GENERATED_BASE_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH;

    private final RandomGenerator random;

    public SimpleNameGenerator(RandomGenerator random) {
        this.random = random;
    }

    public String generateName(String base) {
        String prefix = base.length() > MAX_GENERATED_BASE_LENGTH ? base.substring(0, MAX_GENERATED_BASE_LENGTH) : base;
        StringBuilder sb = new StringBuilder(prefix.length() + RANDOM_LENGTH).append(prefix);
        for (int i = 0; i < RANDOM_LENGTH; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
