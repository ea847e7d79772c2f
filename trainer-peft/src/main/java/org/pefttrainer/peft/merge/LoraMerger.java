package org.pefttrainer.peft.merge;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.lora.LoraWeights;

/**
 * Merges one LoRA adapter into base weights tensor by tensor, as PEFT's {@code merge_and_unload(safe_merge=True)}:
 * {@code W' = W + scaling·B·A} for every targeted linear module (transposed with fan_in_fan_out), nothing else
 * changes; a merged tensor with a NaN or infinity is an error naming the tensor. {@link #unmerge} is PEFT's
 * unmerge, {@code W = W' - scaling·B·A}. Works on plain float arrays, one tensor at a time, so a caller can stream a
 * checkpoint through it.
 */
public final class LoraMerger {
    private final LoraWeights adapter;
    /** Stored weight name → the module whose update it receives. */
    private final Map<String, String> moduleByWeight;

    private LoraMerger(LoraWeights adapter, Map<String, String> moduleByWeight) {
        this.adapter = adapter;
        this.moduleByWeight = moduleByWeight;
    }

    /** A merger for {@code adapter} into a model described by {@code base} (already checked by the reader). */
    public static LoraMerger of(LoraWeights adapter, ModelLayout base) {
        Map<String, String> byWeight = new LinkedHashMap<>();
        for (String module : adapter.modules().keySet()) {
            String weight = module + ".weight";
            String stored = base.resolve(weight);
            if (!stored.equals(weight)) {
                // A tied lm_head is the input embedding as well: merging would change the encoder/decoder inputs too.
                throw new UserException("adapter '" + adapter.name() + "': module '" + module + "' has no weight of its "
                        + "own ('" + weight + "' is tied to '" + stored + "'); merging it would change '" + stored
                        + "' everywhere it is used, so LoRA on a tied module cannot be merged");
            }
            byWeight.put(weight, module);
        }
        return new LoraMerger(adapter, byWeight);
    }

    public LoraWeights adapter() {
        return adapter;
    }

    /** The stored tensor names this adapter changes. */
    public Set<String> targetedWeights() {
        return Collections.unmodifiableSet(moduleByWeight.keySet());
    }

    public boolean targets(String weightName) {
        return moduleByWeight.containsKey(weightName);
    }

    /** ΔW for stored tensor {@code weightName} (null when the adapter does not target it). */
    public float[] delta(String weightName) {
        String module = moduleByWeight.get(weightName);
        if (module == null) {
            return null;
        }
        return LoraDelta.of(adapter.modules().get(module), adapter.scaling(), adapter.config().fanInFanOut());
    }

    /**
     * Adds the update to {@code values} (the tensor's fp32 values) in place and returns them; untargeted tensors
     * are returned unchanged. Non-finite results are a {@link UserException} naming the tensor.
     */
    public float[] merge(String weightName, float[] values) {
        String module = moduleByWeight.get(weightName);
        if (module == null) {
            return values;
        }
        addUpdate(weightName, module, values, false);
        int bad = LoraDelta.firstNonFinite(values);
        if (bad >= 0) {
            throw new UserException("merging adapter '" + adapter.name() + "' into '" + weightName + "' gives "
                    + values[bad] + " at element " + bad + " (NaN or infinity); the adapter (or the base weight) is "
                    + "broken, nothing was written");
        }
        return values;
    }

    /** Removes the update from merged {@code values} in place (PEFT's unmerge) and returns them. */
    public float[] unmerge(String weightName, float[] values) {
        String module = moduleByWeight.get(weightName);
        if (module != null) {
            addUpdate(weightName, module, values, true);
        }
        return values;
    }

    private void addUpdate(String weightName, String module, float[] values, boolean subtract) {
        LoraWeights.Matrices m = adapter.modules().get(module);
        if (values.length != m.out() * m.in()) {
            throw new IllegalArgumentException("'" + weightName + "' has " + values.length + " values, the LoRA update "
                    + m.out() * m.in());
        }
        LoraDelta.addTo(values, m, adapter.scaling(), adapter.config().fanInFanOut(), subtract);
    }
}
