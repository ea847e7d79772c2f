package org.pefttrainer.peft.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.ParameterHook;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.core.model.ModelLayout;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.core.tensor.NdArrays;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.adapter.AdapterType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LoRA adapter injected into a base model (PEFT's LoraModel): one {@link LoraLayer} per targeted linear module,
 * reached through the model's linear hook by module name. The base weights are untouched and stay frozen; only the
 * A and B matrices are trainable.
 */
public final class LoraModel implements Adapter, LinearHook {
    private static final Logger LOG = LoggerFactory.getLogger(LoraModel.class);

    private final String name;
    private final LoraConfig config;
    private final NDManager manager;
    private final Map<String, LoraLayer> layers = new LinkedHashMap<>();
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> overrides = new LinkedHashMap<>();

    private LoraModel(String name, LoraConfig config, NDManager manager) {
        this.name = name;
        this.config = config;
        this.manager = manager;
    }

    /** A new adapter named "default" (PEFT's name), initialised per {@code config.initLoraWeights()} from {@code seed}. */
    public static LoraModel create(LanguageModel base, LoraConfig config, long seed, NDManager manager) {
        return create(DEFAULT_NAME, base, config, seed, manager);
    }

    /**
     * Resolves the targets on {@code base} (null: PEFT's default for the architecture; "all-linear": every linear
     * layer but lm_head), with layers_to_transform and per-module ranks, and creates each module's A and B (and DoRA's
     * magnitude ‖W + s·B·A‖, PEFT's start) in a child manager of {@code manager}; bias and modules_to_save add trained
     * copies of those base parameters, starting from their values.
     */
    public static LoraModel create(String name, LanguageModel base, LoraConfig config, long seed, NDManager manager) {
        String where = "LoRA config";
        ModelLayout layout = ModelLayout.of(base);
        List<String> modules = LoraTargets.select(config, layout, where);
        LoraConfig resolved = resolve(config, layout, where);
        Map<String, LoraWeights.Matrices> matrices = new LinkedHashMap<>();
        for (String module : modules) {
            long[] w = layout.outIn(module);
            int out = (int) w[0];
            int in = (int) w[1];
            int r = resolved.rankOf(module);
            boolean embedding = layout.isEmbedding(module);
            float[][] ab = embedding ? LoraInitializer.initialiseEmbedding(resolved.initLoraWeights(), module, r, in,
                    out, seed) : LoraInitializer.initialise(resolved.initLoraWeights(), module, r, in, out, seed);
            float[] magnitude = null;
            if (resolved.useDora()) {
                magnitude = DoraMagnitude.initial(base.weights().get(module + ".weight").toFloatArray(),
                        layout.isConv1d(module), new LoraWeights.Matrices(r, in, out, ab[0], ab[1]),
                        resolved.scalingOf(module));
            }
            matrices.put(module, new LoraWeights.Matrices(r, in, out, ab[0], ab[1], magnitude, embedding));
        }
        // of() adds the trained copies of biases and modules_to_save, starting from the base values
        return of(new LoraWeights(name, resolved, matrices), base, manager);
    }

    /**
     * The config as PEFT saves it after injection: targets resolved, the base's task_type, and fan_in_fan_out as the
     * targets' storage says (PEFT sets it true for Conv1D targets and false for nn.Linear ones, with a warning).
     */
    static LoraConfig resolve(LoraConfig config, ModelLayout base, String where) {
        LoraConfig c = config.withTargetModules(
                LoraTargets.resolve(config.targetModules(), base, where))
                .withTaskType(base.taskType().peftName());
        boolean conv1d = LoraTargets.select(config, base, where).stream().anyMatch(base::isConv1d);
        if (conv1d) {
            if (!c.fanInFanOut()) {
                LOG.warn("fan_in_fan_out is set to False but the target modules are Conv1D; setting it to True");
            }
            c = c.withFanInFanOut(true);
        } else if (c.fanInFanOut()) {
            // PEFT does the same for torch.nn.Linear targets (and writes false into the saved config).
            LOG.warn("fan_in_fan_out is set to True but the target modules are linear layers; setting it to False");
            c = c.withFanInFanOut(false);
        }
        return c;
    }

    /** A plain-LoRA adapter's {@code weights} as trainable arrays (DoRA needs the base: use the other overload). */
    public static LoraModel of(LoraWeights weights, NDManager parent) {
        return of(weights, null, parent);
    }

    /**
     * The adapter {@code weights} on {@code base} as trainable arrays in a child manager of {@code parent}. DoRA
     * layers keep a reference to the frozen base weight; replaced parameters whose values equal the base's are
     * dropped (PEFT saves a whole embedding layer next to its LoRA, usually unchanged).
     */
    public static LoraModel of(LoraWeights weights, LanguageModel base, NDManager parent) {
        NDManager m = parent.newSubManager();
        LoraModel model = new LoraModel(weights.name(), weights.config(), m);
        try {
            LoraConfig c = weights.config();
            for (Map.Entry<String, LoraWeights.Matrices> e : weights.modules().entrySet()) {
                String module = e.getKey();
                LoraWeights.Matrices mx = e.getValue();
                NDArray a = trainable(m, new Shape(mx.r(), mx.in()), mx.a());
                NDArray b = trainable(m, new Shape(mx.out(), mx.r()), mx.b());
                NDArray magnitude = null;
                NDArray w = null;
                boolean conv1d = false;
                if (mx.magnitude() != null) {
                    if (base == null) {
                        throw new IllegalArgumentException("DoRA adapter '" + weights.name() + "' needs its base model");
                    }
                    magnitude = trainable(m, new Shape(mx.out()), mx.magnitude());
                    w = base.weights().get(module + ".weight");
                    conv1d = base.conv1dModules().contains(module);
                }
                model.layers.put(module, new LoraLayer(module, a, b, c.scalingOf(module), c.loraDropout(), magnitude, w,
                        conv1d, mx.embedding()));
                model.parameters.put(LoraKeys.key(module, LoraKeys.Part.a(mx.embedding())), a);
                model.parameters.put(LoraKeys.key(module, LoraKeys.Part.b(mx.embedding())), b);
                if (magnitude != null) {
                    model.parameters.put(LoraKeys.magnitude(module), magnitude);
                }
            }
            java.util.Set<String> trained = base == null ? java.util.Set.of() : new java.util.HashSet<>(
                    TrainedParameters.select(c, ModelLayout.of(base), List.copyOf(weights.modules().keySet())));
            Map<String, AdapterFolder.FloatTensor> all = new LinkedHashMap<>(weights.overrides());
            for (String p : trained) {
                // What the config trains but the file lacks starts from the base (PEFT 0.13 saves no lora_only biases)
                all.computeIfAbsent(p, k -> {
                    NDArray v = base.weights().get(k);
                    return new AdapterFolder.FloatTensor(v.getShape().getShape(), v.toFloatArray());
                });
            }
            all.forEach((param, t) -> {
                if (base != null && !trained.contains(param) && sameAsBase(base, param, t.values())) {
                    return;
                }
                NDArray v = trainable(m, new Shape(t.shape()), t.values());
                model.overrides.put(param, v);
                String owner = param.substring(0, param.lastIndexOf('.'));
                model.parameters.put(LoraKeys.parameterKey(param, weights.modules().containsKey(owner)), v);
            });
        } catch (RuntimeException ex) {
            m.close();
            throw ex;
        }
        return model;
    }

    private static NDArray trainable(NDManager m, Shape shape, float[] values) {
        NDArray a = NdArrays.createFloat32(m, shape, values);
        a.setRequiresGradient(true);
        return a;
    }

    private static boolean sameAsBase(LanguageModel base, String param, float[] values) {
        return java.util.Arrays.equals(base.weights().get(param).toFloatArray(), values);
    }

    /** The current values as plain arrays (a copy): for merging, combining or saving. */
    public LoraWeights weights() {
        Map<String, LoraWeights.Matrices> out = new LinkedHashMap<>();
        layers.forEach((module, l) -> out.put(module, new LoraWeights.Matrices(l.r(), l.inFeatures(),
                l.outFeatures(), l.loraA().toFloatArray(), l.loraB().toFloatArray(),
                l.magnitude() == null ? null : l.magnitude().toFloatArray(), l.isEmbedding())));
        Map<String, AdapterFolder.FloatTensor> replaced = new LinkedHashMap<>();
        overrides.forEach((p, v) -> replaced.put(p, new AdapterFolder.FloatTensor(v.getShape().getShape(),
                v.toFloatArray())));
        return new LoraWeights(name, config, out, replaced);
    }

    /** The base parameters this adapter replaces (name → its trained value), unmodifiable. */
    public Map<String, NDArray> overrides() {
        return Collections.unmodifiableMap(overrides);
    }

    @Override
    public ParameterHook parameterHook() {
        return overrides.isEmpty() ? null : overrides::get;
    }

    @Override
    public NDArray delta(String module, NDArray x, ForwardContext ctx) {
        LoraLayer layer = layers.get(module);
        return layer == null ? null : layer.delta(x, ctx);
    }

    /** The wrapped modules' layers in model order (unmodifiable). */
    public Map<String, LoraLayer> layers() {
        return Collections.unmodifiableMap(layers);
    }

    public LoraLayer layer(String module) {
        return layers.get(module);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AdapterType type() {
        return AdapterType.LORA;
    }

    /** The resolved config: what adapter_config.json holds. */
    @Override
    public LoraConfig config() {
        return config;
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public LinearHook linearHook() {
        return this;
    }

    @Override
    public InputEmbeddingHook inputEmbeddingHook() {
        return null;
    }

    @Override
    public void close() {
        manager.close();
    }
}
