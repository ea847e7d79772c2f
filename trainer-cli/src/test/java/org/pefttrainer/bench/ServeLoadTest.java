package org.pefttrainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short run of the serve load and fault harness (the long one is {@code peft bench serve-load}): every answer is
 * right (the text the request gets alone) or the 4xx its fault calls for, and the server is up afterwards.
 */
class ServeLoadTest {
    @TempDir Path dir;

    @Test
    void everyRequestGetsARightAnswerOrA4xxAndTheServerStaysUp() throws Exception {
        StringWriter log = new StringWriter();
        ServeLoad.Report r = ServeLoadBenchCommand.run(dir, 200, 6, 1000, 8, 7, true, new PrintWriter(log, true));
        assertTrue(r.violations().isEmpty(), String.join("\n", r.violations()));
        assertTrue(r.healthyAfter());
        assertEquals(201, r.sent());
        // every kind of fault was sent and answered as it should be
        for (int status : new int[] {200, 400, 404, 413}) {
            assertTrue(r.statuses().getOrDefault(status, 0) > 0, "no " + status + " in " + r.statuses());
        }
        for (String kind : new String[] {"valid", "churn", "malformed", "unknown_adapter", "negative_tokens",
                "huge_tokens", "oversized", "chat_stream", "openai_unknown_model"}) {
            assertTrue(r.kinds().getOrDefault(kind, 0) > 0, "no " + kind + " in " + r.kinds());
        }
        assertTrue(r.churnCycles() > 0, "the churn adapter was loaded and unloaded");
    }
}
