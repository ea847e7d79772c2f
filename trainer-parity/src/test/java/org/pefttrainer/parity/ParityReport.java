package org.pefttrainer.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks our values against a reference tensor under a {@link Tolerance} and keeps every comparison's worst
 * difference, so that a test class can log them all at the end ({@link #log()} from an {@code @AfterAll}): the
 * figures docs/parity.md reports.
 */
public final class ParityReport {
    private static final Logger LOG = LoggerFactory.getLogger(ParityReport.class);

    private final String title;
    private final List<String> lines = new ArrayList<>();

    public ParityReport(String title) {
        this.title = title;
    }

    /** Asserts {@code ours} is within {@code tolerance} of {@code reference} and records the difference. */
    public Difference check(String fixture, String comparison, RefTensor reference, float[] ours, Tolerance tolerance) {
        Difference d = assertWithin(fixture, comparison, reference, ours, tolerance);
        record(fixture, comparison, d, tolerance);
        return d;
    }

    /**
     * Asserts every tensor of {@code reference} is within {@code tolerance} of the same-named one of {@code ours}
     * (the names must be the same) and records one line: the worst of them, named.
     */
    public Difference checkAll(String fixture, String comparison, Map<String, RefTensor> reference,
            Map<String, float[]> ours, Tolerance tolerance) {
        assertEquals(new TreeSet<>(reference.keySet()), new TreeSet<>(ours.keySet()), fixture + " " + comparison
                + ": tensor names");
        Difference worst = null;
        String worstName = null;
        for (Map.Entry<String, RefTensor> e : reference.entrySet()) {
            Difference d = assertWithin(fixture, comparison + " " + e.getKey(), e.getValue(), ours.get(e.getKey()),
                    tolerance);
            if (worst == null || tolerance.of(d) > tolerance.of(worst)) {
                worst = d;
                worstName = e.getKey();
            }
        }
        record(fixture, comparison + " (worst of " + reference.size() + ": " + worstName + ")", worst, tolerance);
        return worst;
    }

    private static Difference assertWithin(String fixture, String comparison, RefTensor reference, float[] ours,
            Tolerance tolerance) {
        Difference d = Difference.of(reference.values(), ours);
        int i = d.worstIndex();
        assertTrue(tolerance.accepts(d), () -> String.format(Locale.ROOT,
                "%s %s: %s exceeds %s (max abs diff %.3e at flat index %d of shape %s: ours %s, reference %s)", fixture,
                comparison, fmt(tolerance.of(d)), tolerance, d.maxAbs(), i, Arrays.toString(reference.shape()),
                i < 0 ? "-" : ours[i], i < 0 ? "-" : reference.values()[i]));
        return d;
    }

    /** Scalar form (losses, beam scores). */
    public Difference check(String fixture, String comparison, double reference, double ours, Tolerance tolerance) {
        return check(fixture, comparison, new RefTensor(comparison, new long[] {1}, new float[] {(float) reference}),
                new float[] {(float) ours}, tolerance);
    }

    /** Records an exact comparison (ids, token lists): its worst difference is 0 when it passed. */
    public void recordExact(String fixture, String comparison) {
        synchronized (lines) {
            lines.add(String.format(Locale.ROOT, "%s %s %s: equal (exact)", title, fixture, comparison));
        }
    }

    public void record(String fixture, String comparison, Difference d, Tolerance tolerance) {
        synchronized (lines) {
            lines.add(String.format(Locale.ROOT,
                    "%s %s %s: max abs diff %s = %s of max|ref| %s; tolerance %s", title, fixture, comparison,
                    fmt(d.maxAbs()), fmt(d.maxRelToMaxAbs()), fmt(d.referenceMaxAbs()), tolerance));
        }
    }

    /** Records a comparison whose worst absolute difference the caller measured (and asserted). */
    public void recordWorst(String fixture, String comparison, double maxAbs, Tolerance tolerance) {
        synchronized (lines) {
            lines.add(String.format(Locale.ROOT, "%s %s %s: max abs diff %s; tolerance %s", title, fixture, comparison,
                    fmt(maxAbs), tolerance));
        }
    }

    public void log() {
        synchronized (lines) {
            lines.forEach(LOG::info);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
