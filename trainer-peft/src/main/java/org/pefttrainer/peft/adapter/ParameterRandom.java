package org.pefttrainer.peft.adapter;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The random source of adapter initialisation: every parameter tensor draws from its own {@link java.util.Random}
 * (48-bit LCG, polar-method Gaussians, both fixed by the Java specification, so the values are the same on every JVM
 * and platform) seeded from the run's seed and the parameter's PEFT key name. A tensor's initial values therefore
 * depend only on (seed, name), not on which other modules are targeted or on the order of creation.
 */
public final class ParameterRandom {
    private ParameterRandom() {}

    public static Random of(long seed, String parameterName) {
        long h = mix(seed);
        for (byte b : parameterName.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        return new Random(h);
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
