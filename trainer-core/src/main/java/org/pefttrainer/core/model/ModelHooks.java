package org.pefttrainer.core.model;

/**
 * What a trained part (an adapter, a soft prompt, or nothing) does to a forward pass: it puts its linear, input
 * embedding and parameter hooks on a context. Training, validation loss and evaluation all attach through this one
 * call, so none of them can keep one hook and forget another (a modules_to_save copy, a trained bias).
 */
@FunctionalInterface
public interface ModelHooks {
    /** The base model alone. */
    ModelHooks NONE = ctx -> ctx;

    /** {@code ctx} with this part's hooks in effect. */
    ForwardContext attach(ForwardContext ctx);
}
