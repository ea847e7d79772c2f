package org.pefttrainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short seeded run of the adapter_model.bin fuzzer (the long one: {@code peft bench fuzz-bin}): every mutated file
 * torch.save wrote loads or ends in a one-line error naming the file.
 */
class TorchPickleFuzzTest {
    @TempDir Path dir;

    @Test
    void everyMutatedBinLoadsOrIsRefusedInOneLine() {
        MutationFuzz.Result r = assertTimeoutPreemptively(Duration.ofMinutes(2),
                () -> new TorchPickleFuzz(dir.resolve("adapter_model.bin")).run(3_000, 20261206));
        assertEquals(0, r.findingCount(), String.join("\n", r.findings()));
        assertTrue(r.loaded() > 100 && r.refused() > 1000, "both outcomes occur: " + r);
        for (String m : TorchPickleFuzz.MUTATIONS) {
            assertTrue(r.byMutation().getOrDefault(m, 0L) > 100, "mutation " + m + " ran: " + r.byMutation());
        }
    }
}
