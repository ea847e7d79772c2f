package org.pefttrainer.eval.report;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.pefttrainer.core.UserException;

/** Reads the resolved config.conf a run saved; a file that does not parse is still shown, only unsummarised. */
final class RunDescriptionReader {
    static final String FILE = "config.conf";

    private RunDescriptionReader() {}

    static RunDescription read(Path runDir) {
        String folderName = runDir.toAbsolutePath().normalize().getFileName() == null ? runDir.toString()
                : runDir.toAbsolutePath().normalize().getFileName().toString();
        Path file = runDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return new RunDescription(null, folderName, null, null, null, null, null);
        }
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Config c;
        try {
            c = ConfigFactory.parseString(text).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(true));
        } catch (ConfigException e) {
            return new RunDescription(text, folderName, null, null, null, null,
                    "config.conf does not parse as HOCON: " + e.getMessage());
        }
        String name = string(c, "run.name");
        String method = string(c, "peft.method");
        return new RunDescription(text, name == null || name.isBlank() ? folderName : name, string(c, "model.path"),
                method, methodInfo(c, method), string(c, "eval.metric"), null);
    }

    private static String methodInfo(Config c, String method) {
        if ("lora".equals(method)) {
            String targets = string(c, "peft.lora.target_regex");
            targets = targets != null ? "regex " + targets : string(c, "peft.lora.target_modules");
            return join("r=" + string(c, "peft.lora.r"), "alpha=" + string(c, "peft.lora.alpha"),
                    targets == null ? null : "targets " + targets);
        }
        if ("prompt_tuning".equals(method)) {
            return join(string(c, "peft.prompt_tuning.num_virtual_tokens") + " virtual tokens",
                    "init " + string(c, "peft.prompt_tuning.init"));
        }
        return null;
    }

    private static String join(String... parts) {
        return java.util.Arrays.stream(parts).filter(p -> p != null && !p.endsWith("=null") && !p.endsWith(" null")
                && !p.startsWith("null ")).collect(Collectors.joining(", "));
    }

    /** A scalar or list value as text, or null when absent, null or unresolved. */
    private static String string(Config c, String path) {
        try {
            if (!c.hasPathOrNull(path) || c.getIsNull(path)) {
                return null;
            }
            ConfigValue v = c.getValue(path);
            if (v.valueType() == ConfigValueType.LIST) {
                List<?> items = (List<?>) v.unwrapped();
                return items.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
            }
            if (v.valueType() == ConfigValueType.OBJECT) {
                return null;
            }
            return String.valueOf(v.unwrapped());
        } catch (ConfigException e) {
            return null;
        }
    }
}
