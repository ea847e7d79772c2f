package org.pefttrainer.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pefttrainer.core.UserException;

/**
 * Model parameters by Hugging Face name ({@code encoder.block.0.layer.0.SelfAttention.q.weight}), owned by one
 * long-lived manager. Aliases let tied tensors (T5's shared / embed_tokens / lm_head) resolve to one array.
 */
public final class Weights implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();

    public Weights(NDManager manager) {
        this.manager = manager;
    }

    public NDManager manager() {
        return manager;
    }

    public void put(String name, NDArray array) {
        NDArray old = arrays.put(name, array);
        if (old != null && old != array) {
            old.close();
        }
    }

    public void alias(String alias, String target) {
        aliases.put(alias, target);
    }

    public boolean contains(String name) {
        return arrays.containsKey(resolve(name));
    }

    public String resolve(String name) {
        return aliases.getOrDefault(name, name);
    }

    public NDArray get(String name) {
        NDArray a = arrays.get(resolve(name));
        if (a == null) {
            throw new UserException("model has no parameter '" + name + "'");
        }
        return a;
    }

    /** Parameters in load order (aliases excluded). */
    public Map<String, NDArray> arrays() {
        return Collections.unmodifiableMap(arrays);
    }

    public Map<String, String> aliases() {
        return Collections.unmodifiableMap(aliases);
    }

    public long parameterCount() {
        long n = 0;
        for (NDArray a : arrays.values()) {
            n += a.getShape().size();
        }
        return n;
    }

    public Shape shape(String name) {
        return get(name).getShape();
    }

    @Override
    public void close() {
        manager.close();
    }
}
