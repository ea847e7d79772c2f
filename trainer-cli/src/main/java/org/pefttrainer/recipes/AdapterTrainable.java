package org.pefttrainer.recipes;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import java.util.Map;
import org.pefttrainer.core.model.ForwardContext;
import org.pefttrainer.core.train.Trainable;
import org.pefttrainer.peft.adapter.Adapter;

/** A PEFT adapter (LoRA or soft prompt) as the trainer sees it: its arrays, its hooks, and its PEFT-format folder. */
public final class AdapterTrainable implements Trainable {
    private final Adapter adapter;
    private final String description;

    public AdapterTrainable(Adapter adapter, String description) {
        this.adapter = adapter;
        this.description = description;
    }

    public Adapter adapter() {
        return adapter;
    }

    @Override
    public Map<String, NDArray> parameters() {
        return adapter.trainableParameters();
    }

    @Override
    public ForwardContext attach(ForwardContext ctx) {
        return adapter.attach(ctx);
    }

    @Override
    public void saveTo(Path dir) {
        adapter.save(dir);
    }

    @Override
    public String describe() {
        return description;
    }
}
