package org.pefttrainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short seeded run of the safetensors fuzzer (the long one: {@code peft bench fuzz-safetensors}): every mutated
 * real file ends in a one-line error naming the file and the broken tensor, or in a load equal to the bytes.
 */
class SafetensorsFuzzTest {
    @TempDir Path dir;

    @Test
    void everyMutatedFileIsRefusedInOneLineOrLoadsItsBytes() {
        MutationFuzz.Result r = assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> new SafetensorsFuzz(dir.resolve("input.safetensors")).run(15_000, 20261204));
        assertEquals(0, r.findingCount(), String.join("\n", r.findings()));
        assertTrue(r.loaded() > 1000 && r.refused() > 5000, "both outcomes occur: " + r);
        for (String m : new String[] {"dtype", "shape", "data_offsets", "duplicate", "overlap", "header", "truncated",
                "non-UTF-8", "metadata", "data", "missing", "entry"}) {
            assertTrue(r.byMutation().getOrDefault(m, 0L) > 100, "mutation " + m + " ran: " + r.byMutation());
        }
    }

    @Test
    void theIndependentHalfFloatDecoderMatchesKnownValues() {
        // binary16 by the IEEE 754 table: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), +inf
        assertEquals(1.0f, SafetensorsFuzz.half((short) 0x3C00));
        assertEquals(-2.0f, SafetensorsFuzz.half((short) 0xC000));
        assertEquals(65504f, SafetensorsFuzz.half((short) 0x7BFF));
        assertEquals((float) Math.scalb(1.0, -24), SafetensorsFuzz.half((short) 0x0001));
        assertEquals(Float.POSITIVE_INFINITY, SafetensorsFuzz.half((short) 0x7C00));
        assertTrue(Float.isNaN(SafetensorsFuzz.half((short) 0x7E00)));
    }
}
