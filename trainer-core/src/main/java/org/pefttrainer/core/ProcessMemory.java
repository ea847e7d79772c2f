package org.pefttrainer.core;

/** Process memory figures (Linux /proc/self/status) for benchmarks and run summaries. */
public final class ProcessMemory {
    private ProcessMemory() {}

    /** Peak resident set size of this process (VmHWM), in MiB. */
    public static double peakRssMib() {
        return procStatus("VmHWM:");
    }

    public static double rssMib() {
        return procStatus("VmRSS:");
    }

    private static double procStatus(String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException e) {
            // not Linux: no figure
        }
        return Double.NaN;
    }
}
