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

    /** Memory the machine can still give (MemAvailable of /proc/meminfo), in MiB; NaN off Linux. */
    public static double availableMib() {
        return procFile("/proc/meminfo", "MemAvailable:");
    }

    private static double procStatus(String key) {
        return procFile("/proc/self/status", key);
    }

    private static double procFile(String file, String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
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
