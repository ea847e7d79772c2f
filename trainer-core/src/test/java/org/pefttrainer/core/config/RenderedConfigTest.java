package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pefttrainer.core.config.ConfigTestFiles.CONFIGS;
import static org.pefttrainer.core.config.ConfigTestFiles.load;
import static org.pefttrainer.core.config.ConfigTestFiles.write;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered config is complete, stable and loads back to the same config. */
class RenderedConfigTest {
    @TempDir Path dir;

    @Test
    void savedConfigLoadsAgainToTheSameConfigAndSettings() {
        LoadedConfig first = load(CONFIGS.resolve("prompt-tuning-dialogsum.conf"),
                "optim.lr=0.05", "run.tags.who=\"a b\"", "peft.lora.target_modules=[q,k]", "adapter=null",
                "data.prompt_template=\"Q: {dialogue}\\n\\\"A\\\":\"", "model.config_overrides={x=[1,{y=null}]}");
        Path saved = write(dir, "run/config.conf", first.rendered());
        LoadedConfig again = load(saved);
        assertEquals(first.config(), again.config());
        assertEquals(first.settings(), again.settings());
        assertEquals(first.rendered(), again.rendered());
        assertEquals("prompt-tuning-dialogsum-20250304-050607", again.settings().run().name());
        Path json = write(dir, "run/config.json", first.renderedJson());
        assertEquals(first.settings(), load(json).settings());
    }

    @Test
    void renderingHasNoCommentsAndSortedKeys() {
        String r = load(CONFIGS.resolve("lora-dialogsum.conf")).rendered();
        assertFalse(r.contains("#"));
        List<String> topLevel = r.lines().filter(l -> !l.startsWith(" ") && !l.equals("}") && !l.isBlank())
                .map(l -> l.replaceFirst("[ ={].*", "").replace("\"", "")).toList();
        assertEquals(List.of("adapter", "added_keys", "data", "device", "eval", "generation", "model", "optim",
                "peft", "run", "serve", "spark", "train"), topLevel);
    }

    @Test
    void renderingIsStableAcrossWaysOfWritingTheSameConfig() {
        Path a = write(dir, "a.conf", "optim { lr = 0.001, eps = 1e-8 }", "run.name = x");
        Path b = write(dir, "b.conf", "run { name = \"x\" }", "optim.eps = 1.0e-8", "optim.lr = 1e-3");
        assertEquals(load(a).rendered(), load(b).rendered());
    }

    @Test
    void everyKeyIsExplicit() {
        var rendered = ConfigFactory.parseString(load(write(dir, "e.conf", "")).rendered());
        for (String key : ConfigSchema.get().leaves().keySet()) {
            assertTrue(rendered.hasPathOrNull(key), key);
        }
    }
}
