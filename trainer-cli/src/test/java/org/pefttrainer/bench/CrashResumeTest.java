package org.pefttrainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real training process, then --resume, several times (the long run: {@code peft bench crash-resume}):
 * the loss curve and the adapter bytes equal an uninterrupted run's.
 */
class CrashResumeTest {
    @TempDir Path dir;

    @Test
    void killedAndResumedRunEqualsTheUninterruptedOne() throws Exception {
        StringWriter log = new StringWriter();
        CrashResume.Report r = new CrashResume(dir, Path.of("../data/dialogues"), new PrintWriter(log, true))
                .run(4, 3, 20261204);
        assertTrue(r.metricsEqual(), r.difference() + "\n" + log);
        assertTrue(r.adapterEqual(), "adapter bytes differ\n" + log);
        assertEquals(4, r.kills().size(), log.toString());
        assertEquals(18 + 3, r.metricLines(), "18 step lines and 3 epoch lines");
    }
}
