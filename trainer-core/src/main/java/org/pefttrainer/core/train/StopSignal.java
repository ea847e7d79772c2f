package org.pefttrainer.core.train;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * Turns the first Ctrl-C (SIGINT) into a polite stop request that the training loop sees after the current step,
 * so it can save a resumable checkpoint; a second Ctrl-C exits at once.
 */
public final class StopSignal {
    private final AtomicBoolean requested = new AtomicBoolean();

    public boolean requested() {
        return requested.get();
    }

    public void request() {
        requested.set(true);
    }

    /** Installs the SIGINT handler (no-op where signals are unavailable). */
    public static StopSignal installOnInterrupt() {
        StopSignal s = new StopSignal();
        try {
            Signal.handle(new Signal("INT"), sig -> {
                if (s.requested.getAndSet(true)) {
                    System.err.println("\nsecond interrupt: exiting without a checkpoint");
                    Runtime.getRuntime().halt(130);
                }
                System.err.println("\ninterrupt: finishing this step and saving a resumable checkpoint"
                        + " (Ctrl-C again to quit at once)");
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT on this platform: Ctrl-C simply ends the JVM
        }
        return s;
    }
}
