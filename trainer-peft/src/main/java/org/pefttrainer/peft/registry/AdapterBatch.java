package org.pefttrainer.peft.registry;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.pefttrainer.core.model.InputEmbeddingHook;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.model.LinearHook;
import org.pefttrainer.core.model.ParameterHook;

/**
 * The adapters of one forward or generate call, held for its duration (an adapter unloaded meanwhile is freed only
 * when the batch closes). {@link #attach} gives the context with the right hooks: a single adapter's own hooks when
 * every row uses the same one (or the bare base when none does), else the mixed-batch hooks.
 */
public final class AdapterBatch implements AutoCloseable {
    private final List<LoadedAdapter> held;
    private final List<String> rowAdapters;
    private final LinearHook linear;
    private final InputEmbeddingHook encoderInput;
    private final ParameterHook parameters;
    private final NDManager manager;
    private boolean closed;

    AdapterBatch(List<LoadedAdapter> held, List<String> rowAdapters, LinearHook linear, InputEmbeddingHook encoderInput,
            ParameterHook parameters, NDManager manager) {
        this.parameters = parameters;
        this.held = held;
        this.rowAdapters = Collections.unmodifiableList(Arrays.asList(rowAdapters.toArray(new String[0])));
        this.linear = linear;
        this.encoderInput = encoderInput;
        this.manager = manager;
    }

    /** {@code ctx} with this batch's hooks in effect. */
    public ForwardContext attach(ForwardContext ctx) {
        return ctx.withHooks(linear, encoderInput, parameters);
    }

    /** The adapter of each input row (null: the base model). */
    public List<String> rowAdapters() {
        return rowAdapters;
    }

    /** Whether rows use different adapters (the batched mixed-adapter hooks are in effect). */
    public boolean mixed() {
        return manager != null;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (manager != null) {
            manager.close();
        }
        held.forEach(LoadedAdapter::release);
    }
}
