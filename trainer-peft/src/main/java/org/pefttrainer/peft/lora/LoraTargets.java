package org.pefttrainer.peft.lora;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.LanguageModel;

/**
 * Which modules a LoRA adapter wraps, with PEFT 0.13.2's semantics (tuners_utils.check_target_module_exists,
 * _maybe_include_all_linear_layers, LoraModel._prepare_adapter_config):
 * <ul>
 *   <li>a list: a module matches when its full name equals an entry or ends with "." + an entry;</li>
 *   <li>a string: a regular expression that must match the whole name (re.fullmatch);</li>
 *   <li>"all-linear": the short names (after the last dot) of every linear layer except the output layer lm_head,
 *       then matched as a list;</li>
 *   <li>null: PEFT's default list for the architecture (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING), which
 *       the model family states ({@link ModelLayout#defaultLoraTargets()}).</li>
 * </ul>
 * With a list, {@code layers_to_transform} keeps only suffix matches whose layer index is listed: the index is the
 * number after "." + a {@code layers_pattern} entry + ".", or, without layers_pattern, the last ".name.N." of the
 * name (so on T5, without layers_pattern, it is the sub-layer index inside a block, as in PEFT). An exact full-name
 * match and a regex ignore layers_to_transform, as in PEFT.
 * Like PEFT, every module of the model is tested, containers and layer norms included; a match that is neither a
 * linear layer nor an input embedding is an error (PEFT: "Target module ... is not supported"), and so is a spec
 * that matches nothing.
 */
public final class LoraTargets {
    /** The output embedding that "all-linear" leaves out, as PEFT does for generation models. */
    public static final String OUTPUT_LAYER = "lm_head";

    private LoraTargets() {}

    /** check_target_module_exists for one module name, without layer selection. */
    public static boolean matches(TargetModules targets, String moduleName) {
        return matches(targets, null, null, moduleName);
    }

    /** check_target_module_exists for one module name ({@code layers} null: every layer). */
    public static boolean matches(TargetModules targets, List<Integer> layers, List<String> layersPattern,
            String moduleName) {
        if (targets instanceof TargetModules.Regex re) {
            return Pattern.compile(re.pattern()).matcher(moduleName).matches();
        }
        if (targets instanceof TargetModules.Names n) {
            if (n.names().contains(moduleName)) {
                return true;
            }
            boolean found = false;
            for (String t : n.names()) {
                if (moduleName.endsWith("." + t)) {
                    found = true;
                    break;
                }
            }
            if (!found || layers == null) {
                return found;
            }
            Integer index = layerIndex(moduleName, layersPattern);
            return index != null && layers.contains(index);
        }
        throw new IllegalArgumentException("resolve " + targets + " before matching");
    }

    /** PEFT's layer index: the N of ".PATTERN.N." (each layers_pattern in turn; none given: any ".name.N."). */
    static Integer layerIndex(String moduleName, List<String> layersPattern) {
        List<String> patterns = layersPattern == null || layersPattern.isEmpty() ? List.of("[^.]*") : layersPattern;
        for (String p : patterns) {
            java.util.regex.Matcher m = Pattern.compile(".*\\." + p + "\\.(\\d+)\\.").matcher(moduleName);
            if (m.lookingAt()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return null;
    }

    /** The family's default target list; a UserException when PEFT has none. */
    static TargetModules defaultFor(String architecture, List<String> d, String where) {
        if (d.isEmpty()) {
            throw new UserException(where + ": target_modules must be given for " + architecture
                    + " (PEFT has no default for it)");
        }
        return TargetModules.names(d);
    }

    /**
     * The spec as PEFT stores it after injection: null becomes the architecture's default list, "all-linear" the list
     * of linear layers' short names (model order, lm_head left out); lists and regexes are unchanged.
     */
    public static TargetModules resolve(TargetModules targets, ModelLayout layout, String where) {
        return resolve(targets, layout.architecture(), layout.defaultLoraTargets(), layout.linearModules(), where);
    }

    /** {@link #resolve(TargetModules, ModelLayout, String)} from the names alone. */
    public static TargetModules resolve(TargetModules targets, String architecture, List<String> defaults,
            List<String> linearModules, String where) {
        if (targets == null) {
            return defaultFor(architecture, defaults, where);
        }
        if (targets instanceof TargetModules.AllLinear) {
            Set<String> shortNames = new LinkedHashSet<>();
            for (String m : linearModules) {
                shortNames.add(m.substring(m.lastIndexOf('.') + 1));
            }
            shortNames.remove(OUTPUT_LAYER);
            return TargetModules.names(new ArrayList<>(shortNames));
        }
        return targets;
    }

    /** The linear modules of {@code model} that a resolved or unresolved spec selects, in model order. */
    public static List<String> select(TargetModules targets, LanguageModel model, String where) {
        return select(targets, ModelLayout.of(model), where);
    }

    /** The linear modules of a model described by {@code layout} that the spec selects, in model order. */
    public static List<String> select(TargetModules targets, ModelLayout layout, String where) {
        return select(targets, null, null, layout, where);
    }

    /**
     * The modules {@code config} adapts on a model described by {@code layout}: its targets with its layer
     * selection, the embedding modules first, then the linear ones in model order.
     */
    public static List<String> select(LoraConfig config, ModelLayout layout, String where) {
        return select(config.targetModules(), config.layersToTransform(), config.layersPattern(), layout, where);
    }

    private static List<String> select(TargetModules targets, List<Integer> layers, List<String> layersPattern,
            ModelLayout layout, String where) {
        List<String> adaptable = new ArrayList<>(layout.embeddingModules());
        adaptable.addAll(layout.linearModules());
        return select(targets, layers, layersPattern, layout.architecture(), layout.defaultLoraTargets(),
                layout.linearModules(), adaptable, layout.parameterNames(), where);
    }

    /**
     * The selection from the model's names alone: {@code linearModules} (names without ".weight", model order) and
     * every parameter name, from which the other modules (containers, norms, embeddings) are derived.
     */
    public static List<String> select(TargetModules targets, String architecture, List<String> defaults,
            List<String> linearModules, Collection<String> parameterNames, String where) {
        return select(targets, null, null, architecture, defaults, linearModules, linearModules, parameterNames,
                where);
    }

    private static List<String> select(TargetModules targets, List<Integer> layers, List<String> layersPattern,
            String architecture, List<String> defaults, List<String> linearModules, List<String> adaptable,
            Collection<String> parameterNames, String where) {
        TargetModules resolved = resolve(targets, architecture, defaults, linearModules, where);
        Set<String> ok = new HashSet<>(adaptable);
        for (String module : allModules(linearModules, parameterNames)) {
            if (!ok.contains(module) && matches(resolved, layers, layersPattern, module)) {
                throw new UserException(where + ": target_modules " + targets + " matches '" + module
                        + "', which LoRA cannot wrap here (LoRA wraps linear layers"
                        + (adaptable.size() > linearModules.size() ? " and the input embedding "
                        + adaptable.get(0).substring(adaptable.get(0).lastIndexOf('.') + 1) : "") + ": "
                        + String.join(", ", shortNames(adaptable)) + ")");
            }
        }
        List<String> selected = new ArrayList<>();
        for (String module : adaptable) {
            if (matches(resolved, layers, layersPattern, module)) {
                selected.add(module);
            }
        }
        if (selected.isEmpty()) {
            throw new UserException(where + ": target_modules " + targets + (layers == null ? ""
                    : " with layers_to_transform " + layers + (layersPattern == null ? ""
                    : " and layers_pattern " + layersPattern)) + " match no module of " + architecture
                    + " (a name matches a module's full name or its ending after a dot, a string is a regex over the "
                    + "full name; linear layers: " + String.join(", ", shortNames(linearModules)) + ", e.g. "
                    + linearModules.get(0) + ")");
        }
        return selected;
    }

    /** Every module name PEFT's named_modules() would list (except the root), derived from parameter names. */
    private static Set<String> allModules(List<String> linearModules, Collection<String> parameterNames) {
        Set<String> out = new LinkedHashSet<>();
        List<String> owners = new ArrayList<>();
        for (String p : parameterNames) {
            int dot = p.lastIndexOf('.');
            if (dot > 0) {
                owners.add(p.substring(0, dot));
            }
        }
        owners.addAll(linearModules);
        for (String m : owners) {
            int i = m.indexOf('.');
            while (i > 0) {
                out.add(m.substring(0, i));
                i = m.indexOf('.', i + 1);
            }
            out.add(m);
        }
        return out;
    }

    private static List<String> shortNames(List<String> modules) {
        Set<String> s = new LinkedHashSet<>();
        for (String m : modules) {
            s.add(m.substring(m.lastIndexOf('.') + 1));
        }
        return new ArrayList<>(s);
    }
}
