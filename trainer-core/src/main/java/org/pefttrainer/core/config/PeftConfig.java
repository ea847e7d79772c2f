package org.pefttrainer.core.config;

/**
 * Section {@code peft}: which parameter-efficient method trains, and the settings of each. Both sub-sections are
 * always present (with defaults); {@link #method()} says which one applies.
 */
public record PeftConfig(Method method, LoraConfig lora, PromptTuningConfig promptTuning) {

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
