package org.pefttrainer.peft.adapter;

/** The adapter kinds this trainer implements, named as PEFT's {@code peft_type} values. */
public enum AdapterType {
    LORA,
    PROMPT_TUNING;

    /** The value of adapter_config.json's {@code peft_type}. */
    public String peftType() {
        return name();
    }
}
