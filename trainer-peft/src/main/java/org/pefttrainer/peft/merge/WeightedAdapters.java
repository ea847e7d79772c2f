package org.pefttrainer.peft.merge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pefttrainer.core.UserException;
import org.pefttrainer.peft.lora.LoraConfig;
import org.pefttrainer.peft.lora.LoraWeights;
import org.pefttrainer.peft.lora.TargetModules;

/**
 * Several LoRA adapters combined into one, as PEFT 0.13.2's {@code LoraModel.add_weighted_adapter} does for
 * combination_type "linear" and "cat" (tools/reference/README.md writes the formulas down). The result is an
 * ordinary adapter: save it in PEFT format, load it, or merge it.
 * <ul>
 *   <li>config: a copy of the first adapter's, with r = r', lora_alpha = r' and target_modules the union of the
 *   inputs' (so its scaling is 1, or sqrt(r') when the first adapter uses rsLoRA);</li>
 *   <li>linear (equal ranks; r' = r): {@code A' = Σ sqrt(w_i·s_i)·A_i}, {@code B' = Σ sqrt(w_i·s_i)·B_i};</li>
 *   <li>cat (any ranks; r' = Σ r_i): A' stacks the rows {@code w_i·s_i·A_i}, B' the columns {@code B_i};</li>
 *   <li>a module that an input adapter lacks skips that adapter (for cat its rows stay zero at the end).</li>
 * </ul>
 * Arithmetic is fp32 in PEFT's order (the weights are fp32 tensors; {@code A·w·s} is two fp32 products).
 */
public final class WeightedAdapters {
    /** add_weighted_adapter's combination_type values implemented here. */
    public enum Combination {
        LINEAR,
        CAT;

        public static Combination parse(String s) {
            for (Combination c : values()) {
                if (c.name().equalsIgnoreCase(s)) {
                    return c;
                }
            }
            throw new UserException("combination '" + s + "' is not supported (linear or cat; PEFT's svd, ties and dare "
                    + "variants are not implemented)");
        }

        public String peftName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private WeightedAdapters() {}

    public static LoraWeights combine(String name, List<LoraWeights> adapters, double[] weights,
            Combination combination) {
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("no adapters to combine");
        }
        if (weights.length != adapters.size()) {
            throw new UserException(adapters.size() + " adapters but " + weights.length + " weights (give one weight "
                    + "per adapter)");
        }
        for (LoraWeights a : adapters) {
            LoraConfig c = a.config();
            if (!a.plain() || !c.rankPattern().isEmpty() || !c.alphaPattern().isEmpty()) {
                throw new UserException("adapter '" + a.name() + "' uses " + (c.useDora() ? "DoRA"
                        : !c.rankPattern().isEmpty() || !c.alphaPattern().isEmpty() ? "rank_pattern/alpha_pattern"
                        : a.overrides().isEmpty() ? "LoRA on an embedding" : "trained base parameters (bias or "
                        + "modules_to_save)") + ": weighted combination (--weights) takes plain LoRA adapters only; "
                        + "merge it on its own");
            }
        }
        // PEFT: with a single adapter only linear merging is possible.
        Combination how = adapters.size() == 1 ? Combination.LINEAR : combination;
        int rank = newRank(adapters, how);
        LoraConfig first = adapters.get(0).config();
        LoraConfig config = new LoraConfig(rank, rank, first.loraDropout(), unionOfTargets(adapters),
                first.useRslora(), first.initLoraWeights(), first.fanInFanOut(), first.baseModelNameOrPath(),
                first.revision(), first.taskType());

        Set<String> modules = new LinkedHashSet<>();
        adapters.forEach(a -> modules.addAll(a.modules().keySet()));
        Map<String, LoraWeights.Matrices> out = new LinkedHashMap<>();
        for (String module : modules) {
            out.put(module, how == Combination.LINEAR ? linear(module, adapters, weights, rank)
                    : cat(module, adapters, weights, rank));
        }
        return new LoraWeights(name, config, out);
    }

    private static int newRank(List<LoraWeights> adapters, Combination how) {
        if (how == Combination.LINEAR) {
            Set<Integer> ranks = new LinkedHashSet<>();
            adapters.forEach(a -> ranks.add(a.config().r()));
            if (ranks.size() != 1) {
                List<String> each = new ArrayList<>();
                adapters.forEach(a -> each.add(a.name() + " r=" + a.config().r()));
                throw new UserException("linear combination needs adapters of equal rank, got " + String.join(", ", each)
                        + " (use --combination cat for different ranks)");
            }
            return ranks.iterator().next();
        }
        return adapters.stream().mapToInt(a -> a.config().r()).sum();
    }

    /** PEFT: the union of the target name sets, or the regexes joined as "(a)|(b)"; a mix is an error. */
    private static TargetModules unionOfTargets(List<LoraWeights> adapters) {
        boolean allNames = adapters.stream().allMatch(a -> a.config().targetModules() instanceof TargetModules.Names);
        boolean allRegex = adapters.stream().allMatch(a -> a.config().targetModules() instanceof TargetModules.Regex);
        if (allNames) {
            Set<String> names = new LinkedHashSet<>();
            adapters.forEach(a -> names.addAll(((TargetModules.Names) a.config().targetModules()).names()));
            return TargetModules.names(new ArrayList<>(names));
        }
        if (allRegex) {
            List<String> parts = new ArrayList<>();
            adapters.forEach(a -> parts.add("(" + ((TargetModules.Regex) a.config().targetModules()).pattern() + ")"));
            return new TargetModules.Regex(String.join("|", parts));
        }
        throw new UserException("cannot combine adapters whose target_modules mix lists and regular expressions "
                + "(PEFT refuses this too)");
    }

    private static LoraWeights.Matrices linear(String module, List<LoraWeights> adapters, double[] weights, int r) {
        float[] a = null;
        float[] b = null;
        int in = 0;
        int out = 0;
        for (int i = 0; i < adapters.size(); i++) {
            LoraWeights.Matrices m = adapters.get(i).modules().get(module);
            if (m == null) {
                continue;
            }
            double ws = weights[i] * adapters.get(i).scaling(module);
            if (!(ws >= 0)) {
                throw new UserException("linear combination takes the square root of weight × scaling, which is " + ws
                        + " for adapter '" + adapters.get(i).name() + "' (weight " + weights[i] + "); use a weight >= 0 "
                        + "or --combination cat");
            }
            float f = (float) Math.sqrt(ws);
            if (a == null) {
                in = m.in();
                out = m.out();
                a = new float[r * in];
                b = new float[out * r];
            }
            // torch: sum over the stacked (tensor × weight) products, in adapter order.
            for (int k = 0; k < a.length; k++) {
                a[k] += m.a()[k] * f;
            }
            for (int k = 0; k < b.length; k++) {
                b[k] += m.b()[k] * f;
            }
        }
        return new LoraWeights.Matrices(r, in, out, a, b);
    }

    private static LoraWeights.Matrices cat(String module, List<LoraWeights> adapters, double[] weights, int r) {
        float[] a = null;
        float[] b = null;
        int in = 0;
        int out = 0;
        int row = 0;
        for (int i = 0; i < adapters.size(); i++) {
            LoraWeights.Matrices m = adapters.get(i).modules().get(module);
            if (m == null) {
                continue;
            }
            if (a == null) {
                in = m.in();
                out = m.out();
                a = new float[r * in];
                b = new float[out * r];
            }
            float w = (float) weights[i];
            float s = (float) adapters.get(i).scaling(module);
            // PEFT: lora_A * weight * scaling, two fp32 products, rows appended after the previous adapters'.
            for (int k = 0; k < m.r(); k++) {
                for (int c = 0; c < in; c++) {
                    a[(row + k) * in + c] = m.a()[k * in + c] * w * s;
                }
            }
            for (int o = 0; o < out; o++) {
                System.arraycopy(m.b(), o * m.r(), b, o * r + row, m.r());
            }
            row += m.r();
        }
        return new LoraWeights.Matrices(r, in, out, a, b);
    }
}
