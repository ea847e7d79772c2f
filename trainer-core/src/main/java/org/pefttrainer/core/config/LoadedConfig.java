package org.pefttrainer.core.config;

import com.typesafe.config.Config;

/**
 * A loaded, resolved and validated config.
 *
 * @param source   where the file came from ("configs/lora-dialogsum.conf", or "peft/default.conf" on the class
 *                 path)
 * @param config   the resolved config: overrides over the file over base.conf, run.name filled in
 * @param rendered {@link #config()} as HOCON (no comments, sorted keys): print it at start, save it in the run
 *                 folder; loading that file again gives the same config
 * @param settings the typed view for the rest of the code
 */
public record LoadedConfig(String source, Config config, String rendered, TrainerConfig settings) {

    /** {@link #config()} as JSON (no comments, sorted keys), which loads again just as well. */
    public String renderedJson() {
        return ConfigRenderer.json(config);
    }
}
