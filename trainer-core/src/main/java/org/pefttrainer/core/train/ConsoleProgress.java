package org.pefttrainer.core.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A terminal progress bar (me.tongfei:progressbar) showing loss, learning rate, tokens/s and the ETA. */
public final class ConsoleProgress implements TrainProgress {
    private final String task;
    private final PrintStream out;
    private ProgressBar bar;

    public ConsoleProgress(String task, PrintStream out) {
        this.task = task;
        this.out = out;
    }

    @Override
    public void start(long totalSteps, long doneSteps) {
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
        if (bar != null) {
            bar.stepTo(doneSteps);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f tok/s", loss, lr, tokensPerSecond));
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
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
