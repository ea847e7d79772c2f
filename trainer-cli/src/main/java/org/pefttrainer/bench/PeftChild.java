package org.pefttrainer.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a {@code peft} run in a child JVM on this JVM's classpath, with the launcher's JVM options. */
final class PeftChild {
    private PeftChild() {}

    static List<String> command(List<String> jvmOptions, List<String> peftArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Dai.djl.offline=true", "--add-opens=java.base/java.nio=ALL-UNNAMED"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.pefttrainer.cli.PeftCli"));
        cmd.addAll(peftArgs);
        return cmd;
    }
}
