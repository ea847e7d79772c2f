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
     * layer but lm_head) and creates A and B for each targeted module in a child manager of {@code manager}.
     */
    public static LoraModel create(String name, LanguageModel base, LoraConfig config, long seed, NDManager manager) {
        String where = "LoRA config";
        ModelLayout layout = ModelLayout.of(base);
        List<String> modules = LoraTargets.select(config.targetModules(), layout, where);
        LoraConfig resolved = resolve(config, layout, where);
        int r = resolved.r();
        Map<String, LoraWeights.Matrices> matrices = new LinkedHashMap<>();
        for (String module : modules) {
            long[] w = layout.outIn(module);
            int out = (int) w[0];
            int in = (int) w[1];
            float[][] ab = LoraInitializer.initialise(resolved.initLoraWeights(), module, r, in, out, seed);
            matrices.put(module, new LoraWeights.Matrices(r, in, out, ab[0], ab[1]));
        }
        return of(new LoraWeights(name, resolved, matrices), manager);
    }

    /**
     * The config as PEFT saves it after injection: targets resolved, the base's task_type, and fan_in_fan_out as the
     * targets' storage says (PEFT sets it true for Conv1D targets and false for nn.Linear ones, with a warning).
     */
    static LoraConfig resolve(LoraConfig config, ModelLayout base, String where) {
        LoraConfig c = config.withTargetModules(
                LoraTargets.resolve(config.targetModules(), base, where))
                .withTaskType(base.taskType().peftName());
        boolean conv1d = LoraTargets.select(config.targetModules(), base, where).stream().anyMatch(base::isConv1d);
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

    /** The adapter {@code weights} as trainable arrays in a child manager of {@code parent}. */
    public static LoraModel of(LoraWeights weights, NDManager parent) {
        NDManager m = parent.newSubManager();
        LoraModel model = new LoraModel(weights.name(), weights.config(), m);
        try {
            for (Map.Entry<String, LoraWeights.Matrices> e : weights.modules().entrySet()) {
                String module = e.getKey();
                LoraWeights.Matrices mx = e.getValue();
                NDArray a = NdArrays.createFloat32(m, new Shape(mx.r(), mx.in()), mx.a());
                NDArray b = NdArrays.createFloat32(m, new Shape(mx.out(), mx.r()), mx.b());
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                model.layers.put(module, new LoraLayer(module, a, b, weights.scaling(), weights.config().loraDropout()));
                model.parameters.put(LoraKeys.a(module), a);
                model.parameters.put(LoraKeys.b(module), b);
            }
        } catch (RuntimeException ex) {
            m.close();
            throw ex;
        }
        return model;
    }

    /** The current values as plain arrays (a copy): for merging, combining or saving. */
    public LoraWeights weights() {
        Map<String, LoraWeights.Matrices> out = new LinkedHashMap<>();
        layers.forEach((module, l) -> out.put(module, new LoraWeights.Matrices(l.r(), l.inFeatures(),
                l.outFeatures(), l.loraA().toFloatArray(), l.loraB().toFloatArray())));
        return new LoraWeights(name, config, out);
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
