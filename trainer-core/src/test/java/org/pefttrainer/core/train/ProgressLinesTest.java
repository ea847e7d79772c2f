package org.pefttrainer.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** In a log, progress is plain lines at an interval: no carriage returns, the whole tokens/s field, an ETA. */
class ProgressLinesTest {
    @Test
    void oneLinePerIntervalWithTheWholeMessage() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        ConsoleProgress p = new ConsoleProgress("train", new PrintStream(buf, true, StandardCharsets.UTF_8),
                new ProgressLines("train", " steps", new PrintStream(buf, true, StandardCharsets.UTF_8), 10,
                        () -> now[0]));
        p.start(100, 0);
        for (int step = 1; step <= 25; step++) {
            now[0] = step * 1_000_000_000L; // one step a second
            p.step(step, 1.5, 3e-4, 812.4);
        }
        p.message("epoch 1: train_loss 1.50");
        p.close();
        String text = buf.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), text);
        List<String> lines = text.lines().toList();
        assertEquals(List.of(
                "train 10/100 steps (10%), elapsed 0:00:10, eta 0:01:30: loss 1.5000 lr 3.00e-04 812 tok/s",
                "train 20/100 steps (20%), elapsed 0:00:20, eta 0:01:20: loss 1.5000 lr 3.00e-04 812 tok/s",
                "epoch 1: train_loss 1.50",
                "train 25/100 steps (25%), elapsed 0:00:25, eta 0:01:15: loss 1.5000 lr 3.00e-04 812 tok/s"), lines);
    }

    @Test
    void aResumedRunEstimatesFromItsOwnSteps() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressLines l = new ProgressLines("eval", " examples", new PrintStream(buf, true, StandardCharsets.UTF_8), 0,
                () -> now[0]);
        l.start(10, 6);
        now[0] = 2_000_000_000L;
        l.stepTo(8, null);
        l.finish();
        assertEquals(List.of("eval 8/10 examples (80%), elapsed 0:00:02, eta 0:00:02"),
                buf.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
