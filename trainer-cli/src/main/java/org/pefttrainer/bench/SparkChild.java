package org.pefttrainer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.config.ConfigLoader;

/**
 * A {@code peft} child JVM for the Spark benchmarks: this JVM's class path (./peft gives it the Spark module's),
 * Spark's --add-opens, passive OpenMP waiting, and the testing switches local-cluster masters need.
 */
final class SparkChild {
    private SparkChild() {}

    static final List<String> OPENS = List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io",
            "java.net", "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref",
            "sun.nio.ch", "sun.nio.cs", "sun.security.action", "sun.util.calendar");

    record Result(double seconds, String output) {}

    /** Runs {@code peft args...}, its output logged to {@code log}; a failure is an error naming the log. */
    static Result run(List<String> args, Path log) throws IOException, InterruptedException {
        List<String> jvm = new ArrayList<>(List.of("-Dpeft.home=" + ConfigLoader.projectRoot(), "-Xmx3g",
                "-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true"));
        OPENS.forEach(p -> jvm.add("--add-opens=java.base/" + p + "=ALL-UNNAMED"));
        ProcessBuilder pb = new ProcessBuilder(PeftChild.command(jvm, args)).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().put("PEFT_PROGRESS", "lines");
        pb.environment().put("SPARK_TESTING", "1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        long t0 = System.nanoTime();
        int code = pb.start().waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        String output = Files.readString(log);
        if (code != 0) {
            throw new UserException("peft " + String.join(" ", args) + " failed (exit " + code + "); see " + log);
        }
        return new Result(seconds, output);
    }

    /** The first number after {@code prefix} in {@code text}, or NaN. */
    static double number(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        return m.find() ? Double.parseDouble(m.group(1).replace(",", "")) : Double.NaN;
    }
}
