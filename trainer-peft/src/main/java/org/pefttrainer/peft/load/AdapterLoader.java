package org.pefttrainer.peft.load;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.pefttrainer.core.model.LanguageModel;
import org.pefttrainer.peft.adapter.Adapter;
import org.pefttrainer.peft.adapter.AdapterFolder;
import org.pefttrainer.peft.adapter.AdapterType;
import org.pefttrainer.peft.adapter.ConfigReader;
import org.pefttrainer.peft.lora.LoraAdapterReader;
import org.pefttrainer.peft.prompt.SoftPromptReader;

/**
 * Reads an adapter folder written by PEFT (or by {@link Adapter#save}) onto a base model: its {@code peft_type}
 * picks the reader. It sits above the adapter kinds so that they depend on the shared adapter types, never on
 * each other or on this dispatch.
 */
public final class AdapterLoader {
    private AdapterLoader() {}

    /**
     * The adapter in {@code dir} on {@code base}, named after its folder; its arrays live in a child manager of
     * {@code manager}. Every mismatch with the base model is a one-line {@link org.pefttrainer.core.UserException}
     * naming the file and tensor.
     */
    public static Adapter load(Path dir, LanguageModel base, NDManager manager) {
        return load(dir, base, manager, folderName(dir));
    }

    /** {@link #load(Path, LanguageModel, NDManager)} under the given name instead of the folder's. */
    public static Adapter load(Path dir, LanguageModel base, NDManager manager, String name) {
        AdapterType type = AdapterFolder.type(dir);
        ConfigReader config = new ConfigReader(AdapterFolder.readConfig(dir), AdapterFolder.configFile(dir));
        return switch (type) {
            case LORA -> LoraAdapterReader.read(dir, config, base, manager, name);
            case PROMPT_TUNING -> SoftPromptReader.read(dir, config, base, manager, name);
        };
    }

    /** The adapter's name unless the caller gives one: the folder's name. */
    public static String folderName(Path dir) {
        return dir.toAbsolutePath().normalize().getFileName().toString();
    }
}
