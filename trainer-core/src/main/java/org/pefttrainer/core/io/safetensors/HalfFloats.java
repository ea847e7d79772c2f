package org.pefttrainer.core.io.safetensors;

/**
 * Conversions between fp32 and the 16-bit float formats (IEEE fp16 and bfloat16), bit-exact with PyTorch:
 * widening is exact, narrowing rounds to nearest-even. Java 17 has no Float.float16ToFloat, and DJL crashes on
 * bf16 tensors, so 16-bit checkpoint data is converted here while reading and writing.
 */
public final class HalfFloats {
    private HalfFloats() {}

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            // Keep the sign, force a quiet NaN (what torch writes).
            return (short) ((bits >>> 16) | 0x0040);
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    public static float f16ToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal: value = mant * 2^-24, exact in fp32.
            float v = mant * 0x1.0p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs >= 0x7F800000) {
            // Inf stays Inf; NaN becomes a quiet NaN.
            return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
        }
        if (abs >= 0x477FF000) {
            // >= 65520 rounds to infinity.
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) {
            // Result is subnormal (or zero): round abs value / 2^-24 to nearest even integer.
            if (abs < 0x33000000) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            int exp = abs >>> 23;
            int mant = (abs & 0x7FFFFF) | 0x800000;
            int shift = 126 - exp; // value = mant * 2^(exp-150); subnormal unit is 2^-24
            int result = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (result & 1) == 1)) {
                result++;
            }
            return (short) (sign | result);
        }
        // Normal: rebias exponent, round mantissa from 23 to 10 bits, nearest even (carry may bump exponent).
        int rebased = abs - (112 << 23);
        int result = rebased >>> 13;
        int rem = rebased & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (result & 1) == 1)) {
            result++;
        }
        return (short) (sign | result);
    }
}
