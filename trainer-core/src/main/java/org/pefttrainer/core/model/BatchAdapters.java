package org.pefttrainer.core.model;

import java.util.List;

/**
 * The adapter hooks of one batch whose rows may each name an adapter (a dataset's {@code adapter} column): one
 * adapter for the whole batch, or a mixed-adapter batch. Opened per batch, closed after it.
 */
public interface BatchAdapters {
    /** Hooks for a batch whose row i uses adapter {@code rows.get(i)} (null: the run's adapter, or none). */
    Hooks open(List<String> rows);

    /** A batch's hooks; closing releases what the batch held. */
    interface Hooks extends ModelHooks, AutoCloseable {
        @Override
        void close();
    }

    /** The same hooks for every row. */
    static BatchAdapters of(ModelHooks hooks) {
        return rows -> new Hooks() {
            @Override
            public ForwardContext attach(ForwardContext ctx) {
                return hooks.attach(ctx);
            }

            @Override
            public void close() {
                // nothing held per batch
            }
        };
    }
}
