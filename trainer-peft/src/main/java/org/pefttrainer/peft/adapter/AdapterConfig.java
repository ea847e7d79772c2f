package org.pefttrainer.peft.adapter;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The hyper-parameters of one adapter, convertible to the adapter_config.json that PEFT 0.13.2 writes. */
public interface AdapterConfig {
    /** The only task this trainer trains and the value written as {@code task_type}. */
    String TASK_TYPE = "SEQ_2_SEQ_LM";

    AdapterType type();

    /** Written as {@code base_model_name_or_path} (PEFT uses it to find the base model); may be null. */
    String baseModelNameOrPath();

    /**
     * The content of adapter_config.json: exactly the keys PEFT 0.13.2's config dataclass has (after its
     * {@code to_dict}), with {@code inference_mode} true as {@code save_pretrained} sets it.
     */
    ObjectNode toJson();
}
