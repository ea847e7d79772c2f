package org.pefttrainer.core.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress with loss, learning rate, tokens/s and the ETA: a terminal progress bar (me.tongfei:progressbar),
 * or plain lines every few seconds when the output is a log ({@link ProgressLines}).
 */
public final class ConsoleProgress implements TrainProgress {
    private final String task;
    private final PrintStream out;
    private final ProgressLines lines;
    private ProgressBar bar;

    /** A bar on a terminal, lines in a log ({@link ProgressLines#terminal()}). */
    public ConsoleProgress(String task, PrintStream out) {
        this(task, out, ProgressLines.terminal() ? null
                : new ProgressLines(task, " steps", out, ProgressLines.intervalSeconds(), System::nanoTime));
    }

    /** Plain lines when {@code lines} is given, else a bar. */
    public ConsoleProgress(String task, PrintStream out, ProgressLines lines) {
        this.task = task;
        this.out = out;
        this.lines = lines;
    }

    @Override
    public void start(long totalSteps, long doneSteps) {
        if (lines != null) {
            lines.start(totalSteps, doneSteps);
            return;
        }
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(totalSteps)
                .startsFrom(doneSteps, Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .setUnit(" steps", 1)
                .build();
    }

    @Override
    public void step(long doneSteps, double loss, double lr, double tokensPerSecond) {
        String extra = String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s", loss, lr, tokensPerSecond);
        if (lines != null) {
            lines.stepTo(doneSteps, extra);
        } else if (bar != null) {
            bar.stepTo(doneSteps);
            bar.setExtraMessage(extra);
        }
    }

    @Override
    public void message(String line) {
        if (bar != null) {
            bar.pause();
        }
        out.println(line);
        if (bar != null) {
            bar.resume();
        }
    }

    @Override
    public void close() {
        if (lines != null) {
            lines.finish();
        }
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
