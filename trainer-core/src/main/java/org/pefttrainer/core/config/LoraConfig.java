package org.pefttrainer.core.config;

import java.util.List;
import java.util.Optional;

/**
 * Section {@code peft.lora}, named as PEFT's LoraConfig fields ({@code r}, {@code lora_alpha},
 * {@code lora_dropout}, {@code target_modules}, {@code use_rslora}, {@code init_lora_weights}, {@code bias},
 * {@code fan_in_fan_out}); trainer-peft maps it to its own classes.
 */
public record LoraConfig(
        int r,
        int alpha,
        double dropout,
        Targets targets,
        boolean useRslora,
        Init init,
        Bias bias,
        boolean fanInFanOut) {

    /** The factor on B·A: alpha / r, or alpha / sqrt(r) with rsLoRA (as PEFT). */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : (double) alpha / r;
    }

    /**
     * Which linear layers get LoRA: {@code target_modules} and {@code target_regex} together.
     *
     * @param kind    how the layers are chosen
     * @param modules names or name suffixes (kind MODULES), else empty
     * @param regex   a pattern that must match the whole module name (kind REGEX), else empty
     */
    public record Targets(Kind kind, List<String> modules, Optional<String> regex) {

        public Targets {
            modules = List.copyOf(modules);
        }

        public static Targets architectureDefault() {
            return new Targets(Kind.DEFAULT, List.of(), Optional.empty());
        }

        public static Targets allLinear() {
            return new Targets(Kind.ALL_LINEAR, List.of(), Optional.empty());
        }

        public static Targets modules(List<String> names) {
            return new Targets(Kind.MODULES, names, Optional.empty());
        }

        public static Targets regex(String pattern) {
            return new Targets(Kind.REGEX, List.of(), Optional.of(pattern));
        }

        public enum Kind {
            /** The architecture's PEFT default ({@code q}, {@code v} for T5). */
            DEFAULT,
            /** Every linear layer except the output head (PEFT's "all-linear"). */
            ALL_LINEAR,
            /** Layers whose name equals, or ends with "." plus, one of the names. */
            MODULES,
            /** Layers whose whole name matches the regex. */
            REGEX
        }
    }

    /** {@code init}: PEFT's init_lora_weights. */
    public enum Init implements ConfigEnum {
        /** Kaiming-uniform A, zero B: the adapter starts as a no-op. */
        TRUE("true"),
        /** Normal A (std 1/r), zero B. */
        GAUSSIAN("gaussian"),
        /** B random too: the adapter changes the output from the start (for tests). */
        FALSE("false");

        private final String configName;

        Init(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }

    /** {@code bias}: only "none" (no bias training) is supported. */
    public enum Bias implements ConfigEnum {
        NONE("none");

        private final String configName;

        Bias(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
