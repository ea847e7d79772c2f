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
 * @param name      the adapter's name
 * @param config    the resolved config (as adapter_config.json holds it); per-module scaling from it
 * @param modules   per adapted module (embeddings first, then model order): A, B and DoRA's magnitude
 * @param overrides whole base parameters the adapter replaces (trained biases, modules_to_save copies, saved
 *                  embedding layers), by Hugging Face parameter name
 */
public record LoraWeights(String name, LoraConfig config, Map<String, Matrices> modules,
        Map<String, AdapterFolder.FloatTensor> overrides) {

    /**
     * One module's tensors, row-major: {@code a} is A [r, in] (PEFT's lora_A.weight, or lora_embedding_A with in =
     * num_embeddings), {@code b} is B [out, r]; {@code magnitude} DoRA's [out] vector, or null.
     */
    public record Matrices(int r, int in, int out, float[] a, float[] b, float[] magnitude, boolean embedding) {
        public Matrices {
            if (a.length != (long) r * in || b.length != (long) out * r) {
                throw new IllegalArgumentException("LoRA matrices of rank " + r + " for [" + out + ", " + in
                        + "]: A has " + a.length + " values, B " + b.length);
            }
            if (magnitude != null && magnitude.length != out) {
                throw new IllegalArgumentException("DoRA magnitude has " + magnitude.length + " values, out " + out);
            }
        }

        /** Plain LoRA on a linear layer. */
        public Matrices(int r, int in, int out, float[] a, float[] b) {
            this(r, in, out, a, b, null, false);
        }
    }

    public LoraWeights {
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
        overrides = overrides == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(overrides));
    }

    public LoraWeights(String name, LoraConfig config, Map<String, Matrices> modules) {
        this(name, config, modules, Map.of());
    }

    /** The config's scaling (lora_alpha / r, or / sqrt(r)): every module's unless rank/alpha patterns apply. */
    public double scaling() {
        return config.scaling();
    }

    /** PEFT's scaling of {@code module}: its alpha over its r (or sqrt(r) with rsLoRA), patterns applied. */
    public double scaling(String module) {
        return config.scalingOf(module);
    }

    /** Whether this is plain LoRA: no DoRA, no embedding module, no replaced base parameters. */
    public boolean plain() {
        return overrides.isEmpty() && modules.values().stream().allMatch(m -> m.magnitude() == null && !m.embedding());
    }

    public LoraWeights withName(String newName) {
        return new LoraWeights(newName, config, modules, overrides);
    }

    /** The tensors under PEFT's saved keys: per module A, B (and magnitude), then the replaced parameters. */
    public Map<String, AdapterFolder.FloatTensor> tensors() {
        Map<String, AdapterFolder.FloatTensor> out = new LinkedHashMap<>();
        modules.forEach((module, m) -> {
            out.put(LoraKeys.key(module, LoraKeys.Part.a(m.embedding())),
                    new AdapterFolder.FloatTensor(new long[] {m.r(), m.in()}, m.a()));
            out.put(LoraKeys.key(module, LoraKeys.Part.b(m.embedding())),
                    new AdapterFolder.FloatTensor(new long[] {m.out(), m.r()}, m.b()));
            if (m.magnitude() != null) {
                out.put(LoraKeys.magnitude(module), new AdapterFolder.FloatTensor(new long[] {m.out()}, m.magnitude()));
            }
        });
        overrides.forEach((param, t) -> out.put(LoraKeys.parameterKey(param,
                modules.containsKey(param.substring(0, param.lastIndexOf('.')))), t));
        return out;
    }

    /** Writes the adapter folder as PEFT's save_pretrained does (see {@link AdapterFolder#write}). */
    public void save(Path dir) {
        AdapterFolder.writeFloats(dir, config, tensors());
    }
}
