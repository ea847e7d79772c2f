/**
 * What every adapter offers the trainer ({@link org.pefttrainer.peft.adapter.Adapter}: trainable arrays under PEFT's
 * key names, hooks, save, load) and PEFT's on-disk format: adapter_config.json written byte-for-byte as PEFT writes
 * it and adapter_model.safetensors ({@link org.pefttrainer.peft.adapter.AdapterFolder}).
 */
package org.pefttrainer.peft.adapter;
