package org.pefttrainer.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Clock;
import java.time.format.DateTimeFormatter;

/**
 * Fills in {@code run.name = null} as {@code <config file name>-<yyyyMMdd-HHmmss>}, at load time, so that the
 * printed and saved config shows the real run name (and loading the saved file again keeps it).
 */
final class RunNamer {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private RunNamer() {}

    static Config nameIfUnset(Config config, String configName, Clock clock) {
        ConfigValue name = Values.at(config.root(), "run.name");
        if (name == null || name.valueType() != ConfigValueType.NULL) {
            return config;
        }
        String stamp = STAMP.format(clock.instant().atZone(clock.getZone()));
        return config.withValue("run.name",
                ConfigValueFactory.fromAnyRef(configName + "-" + stamp, "run name from config name and start time"));
    }

    /** "lora-dialogsum" for configs/lora-dialogsum.conf. */
    static String configName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
        return stem.isBlank() ? "run" : stem;
    }
}
