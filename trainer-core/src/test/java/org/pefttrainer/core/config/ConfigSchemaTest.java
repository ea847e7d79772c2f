package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** base.conf, the rules table and the typed view agree. */
class ConfigSchemaTest {
    @TempDir Path dir;

    @Test
    void theTypedViewReadsEveryKeyOfBaseConf() {
        LoadedConfig l = ConfigTestFiles.load(ConfigTestFiles.write(dir, "e.conf", ""));
        TrainerConfigBinder binder = new TrainerConfigBinder(l.config());
        binder.bind();
        assertEquals(new TreeSet<>(ConfigSchema.get().leaves().keySet()), binder.keysRead());
    }

    @Test
    void openSectionsAreTheDeclaredOnes() {
        Set<String> open = new TreeSet<>();
        ConfigSchema.get().leaves().forEach((k, r) -> {
            if (r.isOpen()) {
                open.add(k);
            }
        });
        assertEquals(Set.of("eval.adapters", "model.config_overrides", "peft.lora.alpha_pattern", "peft.lora.rank_pattern", "run.tags",
                "serve.adapters", "spark.conf"), open);
        assertTrue(ConfigSchema.get().isInsideOpenSection("run.tags.team"));
        assertTrue(!ConfigSchema.get().isInsideOpenSection("run.tags"));
    }

    @Test
    void aNumberWithoutARuleIsCaughtAtSchemaLoad() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConfigSchema.of(ConfigFactory.parseString("a { n = 1 }"), Map.of()));
        assertEquals("base.conf: a.n (NUMBER default) needs a rule in KeyRules", e.getMessage());
    }

    @Test
    void aRuleForAMissingKeyIsCaughtAtSchemaLoad() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConfigSchema.of(ConfigFactory.parseString("a = x"),
                        Map.of("b", KeyRule.of("b", ValueType.STRING))));
        assertEquals("rules for keys that base.conf lacks: [b]", e.getMessage());
    }

    @Test
    void aDefaultThatBreaksItsRuleIsCaughtAtSchemaLoad() {
        assertThrows(IllegalStateException.class, () -> ConfigSchema.of(ConfigFactory.parseString("a = null"),
                Map.of("a", KeyRule.of("a", ValueType.STRING))));
    }

    @Test
    void enumRulesListTheEnumsSpellings() {
        assertEquals(List.of("lora", "prompt_tuning", "full", "none"), ConfigEnum.names(PeftConfig.Method.class));
        assertEquals(List.of("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "exact_match", "val_loss", "perplexity"),
                ConfigEnum.names(EvalConfig.Metric.class));
    }
}
