package org.pefttrainer.peft.registry;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.pefttrainer.peft.load.AdapterLoader;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.lora.LoraModel;
import org.pefttrainer.peft.prompt.SoftPrompt;

/**
 * Any number of LoRA and prompt-tuning adapters loaded once against one loaded base model, activated by name per
 * call. The base is never copied or reloaded: adapters only add hooks to a call's {@link ForwardContext}. Lookups,
 * loads and unloads are thread-safe; an adapter unloaded while a batch uses it is freed when that batch closes.
 *
 * <pre>
 *   AdapterRegistry reg = new AdapterRegistry(model, root);
 *   reg.load("sql", Path.of("adapters/sql"));
 *   try (AdapterBatch b = reg.batch("sql")) { generator.generate(b.attach(ctx), ids, mask, config); }
 *   try (AdapterBatch b = reg.batch(Arrays.asList("sql", null, "chat"))) { ... one row each ... }
 *   reg.unload("sql");
 * </pre>
 */
public final class AdapterRegistry implements AutoCloseable {
    /** Names usable in URLs and command lines. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final LanguageModel base;
    private final NDManager manager;
    private final Map<String, LoadedAdapter> adapters = new ConcurrentHashMap<>();

    /** Adapters' arrays will live in a child manager of {@code parent}. */
    public AdapterRegistry(LanguageModel base, NDManager parent) {
        this.base = base;
        this.manager = parent.newSubManager();
    }

    public LanguageModel base() {
        return base;
    }

    /** Loads the adapter folder {@code dir} (PEFT format) under {@code name}. */
    public AdapterInfo load(String name, Path dir) {
        checkName(name);
        if (adapters.containsKey(name)) {
            throw new UserException("an adapter named '" + name + "' is already loaded (unload it first)");
        }
        long t0 = System.nanoTime();
        Adapter a = AdapterLoader.load(dir, base, manager, name);
        LoadedAdapter loaded = new LoadedAdapter(a, info(name, a, dir, (System.nanoTime() - t0) / 1e9));
        if (adapters.putIfAbsent(name, loaded) != null) {
            a.close();
            throw new UserException("an adapter named '" + name + "' is already loaded (unload it first)");
        }
        return loaded.info();
    }

    /** Registers an adapter built elsewhere (e.g. just trained); the registry then owns and closes it. */
    public AdapterInfo add(String name, Adapter adapter) {
        checkName(name);
        LoadedAdapter loaded = new LoadedAdapter(adapter, info(name, adapter, null, 0));
        if (adapters.putIfAbsent(name, loaded) != null) {
            throw new UserException("an adapter named '" + name + "' is already loaded (unload it first)");
        }
        return loaded.info();
    }

    /** Removes {@code name}; its arrays are freed now, or when the last batch using it closes. */
    public void unload(String name) {
        LoadedAdapter a = adapters.remove(name);
        if (a == null) {
            throw unknown(name);
        }
        a.unload();
    }

    public boolean contains(String name) {
        return adapters.containsKey(name);
    }

    /** Loaded adapters by name (sorted). */
    public Map<String, AdapterInfo> list() {
        Map<String, AdapterInfo> out = new TreeMap<>();
        adapters.forEach((n, a) -> out.put(n, a.info()));
        return out;
    }

    /** A batch in which every row uses {@code name} (null: the base model alone). */
    public AdapterBatch batch(String name) {
        List<String> one = new ArrayList<>();
        one.add(name);
        return batch(one, true);
    }

    /**
     * A batch whose input row i uses adapter {@code rowAdapters.get(i)} (null or "": none). Unknown names are a
     * {@link UserException}.
     */
    public AdapterBatch batch(List<String> rowAdapters) {
        return batch(rowAdapters, false);
    }

    private AdapterBatch batch(List<String> rowAdapters, boolean uniform) {
        Map<String, LoadedAdapter> held = new LinkedHashMap<>();
        try {
            for (String n : rowAdapters) {
                if (n == null || n.isEmpty() || held.containsKey(n)) {
                    continue;
                }
                LoadedAdapter a = adapters.get(n);
                if (a == null || !a.acquire()) {
                    throw unknown(n);
                }
                held.put(n, a);
            }
        } catch (RuntimeException e) {
            held.values().forEach(LoadedAdapter::release);
            throw e;
        }
        List<LoadedAdapter> heldList = new ArrayList<>(held.values());
        Set<String> distinct = new LinkedHashSet<>();
        for (String n : rowAdapters) {
            distinct.add(n == null || n.isEmpty() ? null : n);
        }
        if (uniform || distinct.size() == 1) {
            String n = distinct.iterator().next();
            Adapter a = n == null ? null : held.get(n).adapter();
            return new AdapterBatch(heldList, rowAdapters, a == null ? null : a.linearHook(),
                    a == null ? null : a.inputEmbeddingHook(), a == null ? null : a.parameterHook(), null);
        }
        int rows = rowAdapters.size();
        LoraModel[] lora = new LoraModel[rows];
        SoftPrompt[] prompts = new SoftPrompt[rows];
        boolean anyLora = false;
        boolean anyPrompt = false;
        for (int r = 0; r < rows; r++) {
            String n = rowAdapters.get(r);
            if (n == null || n.isEmpty()) {
                continue;
            }
            Adapter a = held.get(n).adapter();
            if (a.parameterHook() != null) {
                held.values().forEach(LoadedAdapter::release);
                throw new UserException("adapter '" + n + "' replaces base parameters (modules_to_save or trained "
                        + "biases), so its rows cannot share a batch with other adapters' rows; run them in a batch "
                        + "of their own");
            }
            if (a instanceof LoraModel l) {
                lora[r] = l;
                anyLora = true;
            } else if (a instanceof SoftPrompt p) {
                prompts[r] = p;
                anyPrompt = true;
            } else {
                throw new IllegalStateException("adapter type " + a.type() + " in a mixed batch");
            }
        }
        NDManager batchManager = manager.newSubManager();
        return new AdapterBatch(heldList, rowAdapters, anyLora ? new MixedLoraHook(lora, batchManager) : null,
                anyPrompt ? new MixedPromptHook(prompts) : null, null, batchManager);
    }

    /** Whether adapter {@code name}'s rows need a batch of their own (it replaces base parameters). */
    public boolean needsOwnBatch(String name) {
        LoadedAdapter a = name == null || name.isEmpty() ? null : adapters.get(name);
        return a != null && a.adapter().parameterHook() != null;
    }

    /** {@code ctx} with adapter {@code name}'s hooks (null: none) for a caller that manages lifetimes itself. */
    public ForwardContext activate(ForwardContext ctx, String name) {
        if (name == null) {
            return ctx.withHooks(null, null, null);
        }
        LoadedAdapter a = adapters.get(name);
        if (a == null) {
            throw unknown(name);
        }
        return a.adapter().attach(ctx);
    }

    @Override
    public void close() {
        for (String n : new ArrayList<>(adapters.keySet())) {
            LoadedAdapter a = adapters.remove(n);
            if (a != null) {
                a.unload();
            }
        }
        manager.close();
    }

    private UserException unknown(String name) {
        Set<String> names = new java.util.TreeSet<>(adapters.keySet());
        return new UnknownAdapterException(name, "unknown adapter '" + name + "' (loaded: "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UserException("adapter name '" + name + "' is not valid (letters, digits, '.', '_', '-'; at most "
                    + "64 characters, starting with a letter or digit)");
        }
    }

    private static AdapterInfo info(String name, Adapter a, Path source, double loadSeconds) {
        int rank;
        double scaling = Double.NaN;
        if (a instanceof LoraModel l) {
            rank = l.config().r();
            scaling = l.config().scaling();
        } else if (a instanceof SoftPrompt p) {
            rank = p.numVirtualTokens();
        } else {
            rank = 0;
        }
        return new AdapterInfo(name, a.type(), source, rank, scaling, a.trainableParameterCount(), loadSeconds);
    }

    /** Asking for an adapter that is not loaded (servers answer it with 404 / 400). */
    public static final class UnknownAdapterException extends UserException {
        private static final long serialVersionUID = 1L;
        private final String adapter;

        public UnknownAdapterException(String adapter, String message) {
            super(message);
            this.adapter = adapter;
        }

        /** The name that is not loaded. */
        public String adapter() {
            return adapter;
        }
    }
}
