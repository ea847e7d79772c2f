package org.pefttrainer.core.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for a log rather than a terminal (CI, {@code | tee}, nohup): one plain line every {@code everyNanos},
 * and a last one at the end, instead of a carriage-return bar that such a log shows as one endless line.
 */
public final class ProgressLines {
    /** Seconds between lines unless PEFT_PROGRESS_SECONDS says otherwise. */
    public static final double DEFAULT_SECONDS = 10;

    private final String task;
    private final String unit;
    private final PrintStream out;
    private final long everyNanos;
    private final LongSupplier clock;
    private long total;
    private long startDone;
    private long startNanos;
    private long lastLine;
    private long lastDone = -1;
    private long lastPrinted = -1;
    private String extra = "";

    public ProgressLines(String task, String unit, PrintStream out, double everySeconds, LongSupplier nanoClock) {
        this.task = task;
        this.unit = unit;
        this.out = out;
        this.everyNanos = (long) (everySeconds * 1e9);
        this.clock = nanoClock;
    }

    /** Whether stderr/stdout is a terminal (a bar) or a log (lines); PEFT_PROGRESS=bar|lines forces one. */
    public static boolean terminal() {
        String forced = System.getenv("PEFT_PROGRESS");
        if ("bar".equalsIgnoreCase(forced)) {
            return true;
        }
        if ("lines".equalsIgnoreCase(forced)) {
            return false;
        }
        return System.console() != null;
    }

    /** The line interval from PEFT_PROGRESS_SECONDS, else {@value #DEFAULT_SECONDS}. */
    public static double intervalSeconds() {
        String s = System.getenv("PEFT_PROGRESS_SECONDS");
        try {
            return s == null ? DEFAULT_SECONDS : Math.max(0, Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return DEFAULT_SECONDS;
        }
    }

    public void start(long totalSteps, long done) {
        total = totalSteps;
        startDone = done;
        startNanos = clock.getAsLong();
        lastLine = startNanos;
    }

    /** Records progress; prints a line when the interval has passed since the last one. */
    public void stepTo(long done, String extraText) {
        lastDone = done;
        extra = extraText == null ? "" : extraText;
        long now = clock.getAsLong();
        if (now - lastLine >= everyNanos) {
            print(now);
            lastLine = now;
        }
    }

    /** The closing line (unless the last step was just printed). */
    public void finish() {
        if (lastDone >= 0 && lastDone != lastPrinted) {
            print(clock.getAsLong());
        }
        lastDone = -1;
    }

    private void print(long now) {
        lastPrinted = lastDone;
        double elapsed = (now - startNanos) / 1e9;
        long doneHere = lastDone - startDone;
        String eta = doneHere > 0 && total > lastDone
                ? ", eta " + clockTime(elapsed / doneHere * (total - lastDone)) : "";
        out.printf(Locale.ROOT, "%s %d/%d%s (%.0f%%), elapsed %s%s%s%n", task, lastDone, total, unit,
                total > 0 ? 100.0 * lastDone / total : 100.0, clockTime(elapsed), eta,
                extra.isEmpty() ? "" : ": " + extra);
        out.flush();
    }

    static String clockTime(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
