package org.pefttrainer.recipes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.pefttrainer.core.UserException;
import org.pefttrainer.core.data.Example;
import org.pefttrainer.core.model.BatchAdapters;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.peft.registry.AdapterBatch;
import org.pefttrainer.peft.registry.AdapterRegistry;

/**
 * Per-row adapters for evaluation: the adapters of eval.adapters loaded side by side on one base model (as
 * {@code peft serve} holds them), and each batch run as a mixed-adapter batch of the adapters its rows name. Rows
 * that name none use the run's {@code adapter} (or the base model).
 */
public final class RowAdapters implements BatchAdapters, AutoCloseable {
    /** The registry name of the run's own adapter. */
    private static final String DEFAULT = "\u0000adapter";
    private final AdapterRegistry registry;
    private final boolean hasDefault;

    private RowAdapters(AdapterRegistry registry, boolean hasDefault) {
        this.registry = registry;
        this.hasDefault = hasDefault;
    }

    /** Loads {@code adapters} (name → folder) and the run's {@code defaultAdapter} (null: none) on the session. */
    public static RowAdapters load(ModelSession session, Map<String, Path> adapters, Path defaultAdapter) {
        AdapterRegistry registry = new AdapterRegistry(session.model(), session.root());
        try {
            adapters.forEach((name, dir) -> registry.load(name, dir));
            if (defaultAdapter != null) {
                registry.load(DEFAULT, defaultAdapter);
            }
            return new RowAdapters(registry, defaultAdapter != null);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** Every adapter the rows name is one eval.adapters lists (a one-line error names the first that is not). */
    public static void check(List<Example> examples, Map<String, Path> adapters, String dataset) {
        for (Example e : examples) {
            if (e.adapter().isPresent() && !adapters.containsKey(e.adapter().get())) {
                throw new UserException(dataset + ": row " + e.id() + " names adapter '" + e.adapter().get()
                        + "', which eval.adapters does not list (it lists " + new TreeSet<>(adapters.keySet())
                        + "); add it as eval.adapters." + e.adapter().get() + " = FOLDER");
            }
        }
    }

    /** Whether any row names an adapter of its own. */
    public static boolean used(List<Example> examples) {
        return examples.stream().anyMatch(e -> e.adapter().isPresent());
    }

    @Override
    public Hooks open(List<String> rows) {
        List<String> names = new ArrayList<>(rows.size());
        for (String r : rows) {
            names.add(r != null ? r : hasDefault ? DEFAULT : null);
        }
        AdapterBatch batch = registry.batch(names);
        return new Hooks() {
            @Override
            public ForwardContext attach(ForwardContext ctx) {
                return batch.attach(ctx);
            }

            @Override
            public void close() {
                batch.close();
            }
        };
    }

    @Override
    public void close() {
        registry.close();
    }
}
