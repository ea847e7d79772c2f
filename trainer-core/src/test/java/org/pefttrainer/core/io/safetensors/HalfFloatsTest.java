package org.pefttrainer.core.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * fp16 / bf16 conversions against bit patterns worked out from the IEEE 754 binary16 and bfloat16 layouts (and
 * checked once against torch 1.13's {@code .to(torch.float16/bfloat16)}).
 */
class HalfFloatsTest {

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int bits(float v) {
        return Float.floatToRawIntBits(v);
    }

    private static int h(float v) {
        return HalfFloats.floatToF16(v) & 0xFFFF;
    }

    private static int b(float v) {
        return HalfFloats.floatToBf16(v) & 0xFFFF;
    }

    @Test
    void f16PatternsWidenExactly() {
        assertEquals(1.0f, HalfFloats.f16ToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.f16ToFloat((short) 0xC000));
        assertEquals(65504.0f, HalfFloats.f16ToFloat((short) 0x7BFF)); // (2 - 2^-10) * 2^15, largest finite
        assertEquals(0x1.0p-24f, HalfFloats.f16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(1023 * 0x1.0p-24f, HalfFloats.f16ToFloat((short) 0x03FF)); // largest subnormal
        assertEquals(0x1.0p-14f, HalfFloats.f16ToFloat((short) 0x0400)); // smallest normal
        assertEquals(0.333251953125f, HalfFloats.f16ToFloat((short) 0x3555)); // 1/3 in f16: 0x155 * 2^-12 + 2^-2
        assertEquals(0x80000000, bits(HalfFloats.f16ToFloat((short) 0x8000))); // -0 keeps its sign
        assertEquals(0, bits(HalfFloats.f16ToFloat((short) 0x0000)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.f16ToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7E00)));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0x7C01))); // signalling NaN stays NaN, not inf
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat((short) 0xFE00)));
    }

    @Test
    void f16NarrowingRoundsToNearestEven() {
        assertEquals(0x3C00, h(1.0f));
        assertEquals(0x7BFF, h(65504.0f));
        assertEquals(0x7BFF, h(65519.99f)); // just below the midpoint to the next (infinite) step
        assertEquals(0x7C00, h(65520.0f)); // midpoint 65504..65536: 0x7BFF is odd, so it goes up to inf
        assertEquals(0xFC00, h(-65520.0f));
        assertEquals(0x7C00, h(100000.0f));
        assertEquals(0x0001, h(0x1.0p-24f));
        assertEquals(0x0000, h(0x1.0p-25f)); // half the smallest subnormal: tie to even 0
        assertEquals(0x0001, h(Math.nextUp(0x1.0p-25f))); // just above the tie
        assertEquals(0x0002, h(3 * 0x1.0p-25f)); // 1.5 units: tie between 1 (odd) and 2
        assertEquals(0x0000, h(1e-8f));
        assertEquals(0x0400, h(0x1.0p-14f));
        assertEquals(0x0400, h(0x1.0p-14f - 0x1.0p-25f)); // midpoint 0x03FF..0x0400, 0x03FF odd
        assertEquals(0x3C00, h(1.0f + 0x1.0p-11f)); // midpoint 1..1+2^-10: mantissa 0 is even
        assertEquals(0x3C02, h(1.0f + 3 * 0x1.0p-11f)); // midpoint between mantissa 1 and 2
        assertEquals(0x3C01, h(1.0f + 0x1.0p-11f + 0x1.0p-23f)); // just above the midpoint
        assertEquals(0x6800, h(2049.0f)); // spacing 2 at 2048: tie to 2048
        assertEquals(0x6802, h(2051.0f)); // tie between 2050 (odd) and 2052
        assertEquals(0x8000, h(-0.0f));
        assertEquals(0x7C00, h(Float.POSITIVE_INFINITY));
        assertEquals(0xFC00, h(Float.NEGATIVE_INFINITY));
        int nan = h(Float.NaN);
        assertEquals(0x7C00, nan & 0x7C00);
        assertTrue((nan & 0x03FF) != 0, "NaN must not become infinity");
        assertTrue((h(f(0x7F800001)) & 0x03FF) != 0, "NaN with only low payload bits must stay NaN");
    }

    @Test
    void everyF16PatternSurvivesARoundTrip() {
        for (int i = 0; i < 0x10000; i++) {
            int pattern = i;
            float v = HalfFloats.f16ToFloat((short) pattern);
            if (!Float.isNaN(v)) {
                assertEquals(pattern, h(v), () -> "f16 pattern 0x" + Integer.toHexString(pattern));
            }
        }
    }

    @Test
    void bf16PatternsWidenExactly() {
        assertEquals(1.0f, HalfFloats.bf16ToFloat((short) 0x3F80));
        assertEquals(f(0x7F7F0000), HalfFloats.bf16ToFloat((short) 0x7F7F)); // largest finite bf16
        assertEquals(3.3895313892515355e38, HalfFloats.bf16ToFloat((short) 0x7F7F), 0.0);
        assertEquals(0x1.0p-133f, HalfFloats.bf16ToFloat((short) 0x0001)); // smallest subnormal
        assertEquals(0x80000000, bits(HalfFloats.bf16ToFloat((short) 0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToFloat((short) 0x7F80));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.bf16ToFloat((short) 0xFF80));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat((short) 0x7FC0)));
        assertEquals(-0.333984375f, HalfFloats.bf16ToFloat((short) 0xBEAB)); // -1/3 in bf16
    }

    @Test
    void bf16NarrowingRoundsToNearestEven() {
        assertEquals(0x3F80, b(1.0f));
        assertEquals(0x3F80, b(f(0x3F808000))); // exactly halfway 0x3F80..0x3F81: keep the even one
        assertEquals(0x3F82, b(f(0x3F818000))); // halfway 0x3F81..0x3F82: 0x3F81 is odd, go up
        assertEquals(0x3F81, b(f(0x3F808001))); // above halfway
        assertEquals(0x3F80, b(f(0x3F807FFF))); // below halfway
        assertEquals(0xBF80, b(f(0xBF808000))); // sign does not change the tie rule
        assertEquals(0x7F7F, b(f(0x7F7F7FFF)));
        assertEquals(0x7F80, b(f(0x7F7F8000))); // halfway past the largest bf16: 0x7F7F odd, rounds to inf
        assertEquals(0x7F80, b(Float.MAX_VALUE));
        assertEquals(0x0002, b(f(0x00018000))); // subnormal tie, 0x0001 odd
        assertEquals(0x0000, b(f(0x00008000))); // subnormal tie to 0
        assertEquals(0x0001, b(f(0x00008001)));
        assertEquals(0x8000, b(-0.0f));
        assertEquals(0xBEAB, b(-1.0f / 3.0f));
        assertEquals(0x7F80, b(Float.POSITIVE_INFINITY));
        assertEquals(0xFF80, b(Float.NEGATIVE_INFINITY));
        for (int nanBits : new int[] {0x7FC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF}) {
            int r = b(f(nanBits));
            assertEquals(0x7F80, r & 0x7F80, () -> Integer.toHexString(nanBits));
            assertTrue((r & 0x007F) != 0, () -> "NaN " + Integer.toHexString(nanBits) + " became " + Integer.toHexString(r));
        }
    }

    @Test
    void everyBf16PatternSurvivesARoundTrip() {
        for (int i = 0; i < 0x10000; i++) {
            int pattern = i;
            float v = HalfFloats.bf16ToFloat((short) pattern);
            if (!Float.isNaN(v)) {
                assertEquals(pattern, b(v), () -> "bf16 pattern 0x" + Integer.toHexString(pattern));
            }
        }
    }
}
