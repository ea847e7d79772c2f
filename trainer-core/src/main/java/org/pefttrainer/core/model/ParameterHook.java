package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Where an adapter replaces whole base parameters: PEFT's modules_to_save (trained copies of lm_head, embed_tokens,
 * ...), trained biases (LoRA's bias "all" / "lora_only") and embedding layers saved with an adapter. Every family
 * reads its parameters through {@link ForwardContext#param}, so a replacement reaches every use of that name, and
 * only that name: a trained copy of a tied lm_head leaves the input embedding alone, as in PEFT.
 */
@FunctionalInterface
public interface ParameterHook {
    /** The value to use instead of base parameter {@code name} (Hugging Face name, as the model asks for it), or null. */
    NDArray parameter(String name);
}
