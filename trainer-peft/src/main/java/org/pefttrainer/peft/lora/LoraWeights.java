package org.pefttrainer.peft.lora;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pefttrainer.peft.adapter.AdapterFolder;

/**
 * A LoRA adapter as plain Java arrays, without a model or NDArrays: what merging, weighted combination and the
 * adapter registry work from. Read one with {@link LoraAdapterReader#readWeights}, turn it into a trainable/usable
 * {@link LoraModel} with {@link LoraModel#of}, save it in PEFT format with {@link #save}.
 *
 * @param name    the adapter's name
 * @param config  the resolved config (as adapter_config.json holds it); its scaling applies to every module
 * @param modules per targeted module (model order): A and B
 */
public record LoraWeights(String name, LoraConfig config, Map<String, Matrices> modules) {

    /**
     * One module's matrices, row-major: {@code a} is A [r, in] (PEFT's lora_A.weight), {@code b} is B [out, r]
     * (lora_B.weight).
     */
    public record Matrices(int r, int in, int out, float[] a, float[] b) {
        public Matrices {
            if (a.length != (long) r * in || b.length != (long) out * r) {
                throw new IllegalArgumentException("LoRA matrices of rank " + r + " for [" + out + ", " + in
                        + "]: A has " + a.length + " values, B " + b.length);
            }
        }
    }

    public LoraWeights {
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    /** PEFT's scaling of this adapter (lora_alpha / r, or / sqrt(r) with rsLoRA). */
    public double scaling() {
        return config.scaling();
    }

    public LoraWeights withName(String newName) {
        return new LoraWeights(newName, config, modules);
    }

    /** The tensors under PEFT's saved keys, in module order (A then B). */
    public Map<String, AdapterFolder.FloatTensor> tensors() {
        Map<String, AdapterFolder.FloatTensor> out = new LinkedHashMap<>();
        modules.forEach((module, m) -> {
            out.put(LoraKeys.a(module), new AdapterFolder.FloatTensor(new long[] {m.r(), m.in()}, m.a()));
            out.put(LoraKeys.b(module), new AdapterFolder.FloatTensor(new long[] {m.out(), m.r()}, m.b()));
        });
        return out;
    }

    /** Writes the adapter folder as PEFT's save_pretrained does (see {@link AdapterFolder#write}). */
    public void save(Path dir) {
        AdapterFolder.writeFloats(dir, config, tensors());
    }
}
