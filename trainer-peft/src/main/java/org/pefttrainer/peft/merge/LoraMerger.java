package org.pefttrainer.peft.merge;

import org.pefttrainer.peft.lora.LoraDelta;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.lora.DoraMagnitude;
import org.pefttrainer.peft.lora.LoraWeights;

/**
 * Merges one LoRA adapter into base weights tensor by tensor, as PEFT's {@code merge_and_unload(safe_merge=True)}:
 * <ul>
 *   <li>LoRA: {@code W' = W + ΔW}, {@code ΔW = s·B·A} with the module's own scaling (rank/alpha patterns), transposed
 *       with fan_in_fan_out; an embedding's {@code W' = W + (s·B·A)ᵀ};</li>
 *   <li>DoRA: {@code W' = (m / ‖W + ΔW‖) ⊙ (W + ΔW)}, the norm and the factor per output;</li>
 *   <li>trained biases and modules_to_save copies replace the base tensors.</li>
 * </ul>
 * Nothing else changes; a merged tensor with a NaN or infinity is an error naming the tensor. A change to one side of
 * a tied pair (a tied lm_head and the input embedding) is refused: the merged checkpoint would change the other side
 * too (PEFT's merge_and_unload does so silently, and its merged model then computes something else than the
 * adapter). {@link #unmerge} is PEFT's unmerge for plain LoRA. Works on plain float arrays, one tensor at a time, so a
 * caller can stream a checkpoint through it.
 */
public final class LoraMerger {
    private final LoraWeights adapter;
    /** Stored weight name → the module whose update it receives. */
    private final Map<String, String> moduleByWeight;
    /** Stored tensor name → the adapter's replacement. */
    private final Map<String, AdapterFolder.FloatTensor> replaced;
    private final ModelLayout base;

    private LoraMerger(LoraWeights adapter, Map<String, String> moduleByWeight,
            Map<String, AdapterFolder.FloatTensor> replaced, ModelLayout base) {
        this.adapter = adapter;
        this.moduleByWeight = moduleByWeight;
        this.replaced = replaced;
        this.base = base;
    }

    /** A merger for {@code adapter} into a model described by {@code base} (already checked by the reader). */
    public static LoraMerger of(LoraWeights adapter, ModelLayout base) {
        Map<String, String> byWeight = new LinkedHashMap<>();
        Set<String> tiedTargets = new java.util.HashSet<>(base.aliases().values());
        for (String module : adapter.modules().keySet()) {
            String weight = module + ".weight";
            String stored = base.resolve(weight);
            if (!stored.equals(weight)) {
                // A tied lm_head is the input embedding as well: merging would change the encoder/decoder inputs too.
                throw new UserException("adapter '" + adapter.name() + "': module '" + module + "' has no weight of its "
                        + "own ('" + weight + "' is tied to '" + stored + "'); merging it would change '" + stored
                        + "' everywhere it is used, so LoRA on a tied module cannot be merged");
            }
            if (tiedTargets.contains(weight)) {
                throw new UserException("adapter '" + adapter.name() + "': LoRA on '" + module + "' cannot be merged: "
                        + "the output layer is tied to '" + weight + "', so the merged weight would change the "
                        + "output layer too and the merged model would compute something else than the adapter "
                        + "(PEFT's merge_and_unload does that silently); use the adapter unmerged");
            }
            byWeight.put(weight, module);
        }
        Map<String, AdapterFolder.FloatTensor> replaced = new LinkedHashMap<>();
        adapter.overrides().forEach((param, t) -> {
            String stored = base.resolve(param);
            if (!stored.equals(param) || tiedTargets.contains(param)) {
                throw new UserException("adapter '" + adapter.name() + "': its trained '" + param + "' cannot be "
                        + "merged: that tensor is tied (" + (stored.equals(param) ? "the output layer uses it too"
                        : "to '" + stored + "'") + "), and a merged checkpoint of this model keeps the tie, so one side "
                        + "would silently take the other's values; use the adapter unmerged");
            }
            replaced.put(param, t);
        });
        return new LoraMerger(adapter, byWeight, replaced, base);
    }

    public LoraWeights adapter() {
        return adapter;
    }

    /** The stored tensor names this adapter changes. */
    public Set<String> targetedWeights() {
        Set<String> all = new java.util.LinkedHashSet<>(moduleByWeight.keySet());
        all.addAll(replaced.keySet());
        return Collections.unmodifiableSet(all);
    }

    public boolean targets(String weightName) {
        return moduleByWeight.containsKey(weightName) || replaced.containsKey(weightName);
    }

    /** ΔW of plain LoRA for stored tensor {@code weightName} (null when the adapter does not target it). */
    public float[] delta(String weightName) {
        String module = moduleByWeight.get(weightName);
        if (module == null) {
            return null;
        }
        LoraWeights.Matrices m = adapter.modules().get(module);
        return LoraDelta.of(m, adapter.scaling(module), transposed(module, m));
    }

    /** Whether ΔW is stored [in, out]: Conv1D weights (fan_in_fan_out) and embeddings ([vocab, dim]). */
    private boolean transposed(String module, LoraWeights.Matrices m) {
        return m.embedding() || base.isConv1d(module);
    }

    /**
     * The merged values of stored tensor {@code weightName} given its fp32 {@code values} (updated in place unless
     * the adapter replaces the tensor); untargeted tensors are returned unchanged. Non-finite results are a
     * {@link UserException} naming the tensor.
     */
    public float[] merge(String weightName, float[] values) {
        AdapterFolder.FloatTensor r = replaced.get(weightName);
        String module = moduleByWeight.get(weightName);
        if (r != null) {
            // the adapter's copy of the tensor (a saved embedding layer is the base that its LoRA then adds to)
            if (r.values().length != values.length) {
                throw new IllegalArgumentException("'" + weightName + "' has " + values.length + " values, the "
                        + "adapter's " + r.values().length);
            }
            values = r.values().clone();
        }
        if (module == null) {
            return r == null ? values : check(weightName, values);
        }
        LoraWeights.Matrices m = adapter.modules().get(module);
        addUpdate(weightName, module, values, false);
        if (m.magnitude() != null) {
            // DoRA: ΔW already holds the scaling; rescale each output's weights of W + ΔW to the magnitude.
            boolean t = transposed(module, m);
            float[] norms = DoraMagnitude.rowNorms(values, m.out(), m.in(), t);
            for (int o = 0; o < m.out(); o++) {
                float f = m.magnitude()[o] / norms[o];
                for (int i = 0; i < m.in(); i++) {
                    int idx = t ? i * m.out() + o : o * m.in() + i;
                    values[idx] = f * values[idx];
                }
            }
        }
        return check(weightName, values);
    }

    private float[] check(String weightName, float[] values) {
        int bad = LoraDelta.firstNonFinite(values);
        if (bad >= 0) {
            throw new UserException("merging adapter '" + adapter.name() + "' into '" + weightName + "' gives "
                    + values[bad] + " at element " + bad + " (NaN or infinity); the adapter (or the base weight) is "
                    + "broken, nothing was written");
        }
        return values;
    }

    /** Removes a plain-LoRA update from merged {@code values} in place (PEFT's unmerge) and returns them. */
    public float[] unmerge(String weightName, float[] values) {
        String module = moduleByWeight.get(weightName);
        if (module != null) {
            if (!adapter.plain()) {
                throw new UserException("adapter '" + adapter.name() + "' is not plain LoRA: unmerging it is not "
                        + "supported");
            }
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
        LoraDelta.addTo(values, m, adapter.scaling(module), transposed(module, m), subtract);
    }
}
