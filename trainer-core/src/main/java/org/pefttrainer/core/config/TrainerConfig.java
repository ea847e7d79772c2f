package org.pefttrainer.core.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The whole validated configuration as immutable, typed values: what the rest of the code reads instead of string
 * keys. Built by {@link ConfigLoader}; each component mirrors one section of {@code configs/base.conf}.
 *
 * @param adapter the adapter folder (PEFT format) that eval, generate and serve load, if any
 */
public record TrainerConfig(
        RunConfig run,
        Device device,
        ModelConfig model,
        Optional<Path> adapter,
        PeftConfig peft,
        DataConfig data,
        TrainConfig train,
        OptimConfig optim,
        EvalConfig eval,
        /** The decoding keys the config sets (null ones left out; seed always there), by the one key table. */
        java.util.Map<org.pefttrainer.core.generate.GenerationKey, Object> generation,
        ServeConfig serve,
        SparkConfig spark) {

    /** Where the computation runs ({@code device}). */
    public enum Device implements ConfigEnum {
        /** The GPU when the engine sees one, else the CPU. */
        AUTO("auto"),
        CPU("cpu"),
        GPU("gpu");

        private final String configName;

        Device(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
