package org.pefttrainer.peft.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pefttrainer.peft.Stats;

/** PEFT's init distributions (LoraLayer.reset_lora_parameters / nn.Linear defaults) on 65,536-entry matrices. */
class LoraInitializerTest {
    private static final String M = "encoder.block.0.layer.0.SelfAttention.q";
    private static final int R = 16;
    private static final int IN = 4096;
    private static final int OUT = 4096;

    @Test
    void defaultIsKaimingUniformAWithZeroB() {
        float[][] ab = LoraInitializer.initialise(LoraInit.DEFAULT, M, R, IN, OUT, 42);
        assertEquals(R * IN, ab[0].length);
        assertEquals(OUT * R, ab[1].length);
        Stats.assertUniform(ab[0], 1 / Math.sqrt(IN), "A"); // kaiming_uniform_(a=√5): bound 1/√fan_in = 1/64
        assertArrayEquals(new float[OUT * R], ab[1]);
    }

    @Test
    void gaussianHasStdOneOverRAndZeroB() {
        float[][] ab = LoraInitializer.initialise(LoraInit.GAUSSIAN, M, R, IN, OUT, 42);
        Stats.assertNormal(ab[0], 1.0 / R, "A"); // nn.init.normal_(std=1/r): variance 1/r², not 1/r
        assertArrayEquals(new float[OUT * R], ab[1]);
    }

    @Test
    void falseLeavesBothAsLinearLayersCreateThem() {
        float[][] ab = LoraInitializer.initialise(LoraInit.NONE, M, R, IN, OUT, 42);
        Stats.assertUniform(ab[0], 1 / Math.sqrt(IN), "A"); // fan_in of lora_A = in_features
        Stats.assertUniform(ab[1], 1 / Math.sqrt(R), "B"); // fan_in of lora_B = r
    }

    @Test
    void initialisationIsReproducibleAndDependsOnSeedAndModule() {
        float[] a = LoraInitializer.initialise(LoraInit.NONE, M, 4, 16, 16, 7)[0];
        assertArrayEquals(a, LoraInitializer.initialise(LoraInit.NONE, M, 4, 16, 16, 7)[0]);
        assertFalse(Arrays.equals(a, LoraInitializer.initialise(LoraInit.NONE, M, 4, 16, 16, 8)[0]));
        assertFalse(Arrays.equals(a, LoraInitializer.initialise(LoraInit.NONE, M.replace(".q", ".v"), 4, 16, 16, 7)[0]));
        float[][] ab = LoraInitializer.initialise(LoraInit.NONE, M, 4, 16, 16, 7);
        assertFalse(Arrays.equals(ab[0], ab[1])); // A and B draw from separate streams
    }
}
