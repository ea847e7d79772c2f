/**
 * LoRA as PEFT 0.13.2 defines it, split the same way: {@link org.pefttrainer.peft.lora.LoraConfig} (the config and
 * its adapter_config.json form), {@link org.pefttrainer.peft.lora.LoraTargets} (which modules are wrapped),
 * {@link org.pefttrainer.peft.lora.LoraLayer} (the update {@code B(A(dropout x))·scaling} of one module) and
 * {@link org.pefttrainer.peft.lora.LoraModel} (the injection: a linear hook keyed by Hugging Face module name).
 */
package org.pefttrainer.peft.lora;
