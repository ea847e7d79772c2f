package org.pefttrainer.core.config;

/**
 * Section {@code peft}: which parameter-efficient method trains, and the settings of each. Both sub-sections are
 * always present (with defaults) and validated here (types, ranges, cross-key rules); trainer-peft reads them into
 * its one config type per method ({@code LoraConfig.fromSettings}, {@code PromptTuningConfig.fromSettings}), named
 * as PEFT names them. {@link #method()} says which one applies.
 *
 * @param lora         {@code peft.lora}: r, alpha, dropout, target_modules / target_regex, use_rslora, init, bias,
 *                     fan_in_fan_out
 * @param promptTuning {@code peft.prompt_tuning}: num_virtual_tokens, init, init_text
 */
public record PeftConfig(Method method, com.typesafe.config.Config lora, com.typesafe.config.Config promptTuning) {

    /** {@code peft.method}. */
    public enum Method implements ConfigEnum {
        LORA("lora"),
        PROMPT_TUNING("prompt_tuning"),
        /** Every weight of the model trains. */
        FULL("full"),
        /** No adapter: the base model alone (e.g. to score it). */
        NONE("none");

        private final String configName;

        Method(String configName) {
            this.configName = configName;
        }

        @Override
        public String configName() {
            return configName;
        }
    }
}
