package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pefttrainer.core.config.ConfigTestFiles.load;
import static org.pefttrainer.core.config.ConfigTestFiles.write;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;

/** Hydra-like overrides: set, add with +, remove with ~, and how values are read. */
class OverridesTest {
    @TempDir Path dir;

    private Path file(String... lines) {
        return write(dir, "exp.conf", lines);
    }

    @Test
    void setWinsOverFileWhichWinsOverBase() {
        Path f = file("include \"base.conf\"", "optim.lr = 1e-3", "train.batch_size = 4");
        TrainerConfig s = load(f, "optim.lr=3e-4").settings();
        assertEquals(3e-4, s.optim().lr());            // command line
        assertEquals(4, s.train().batchSize());         // file
        assertEquals(1, s.train().gradAccumSteps());    // base
    }

    @Test
    void laterOverridesWin() {
        assertEquals(5, load(file(), "train.batch_size=4", "train.batch_size=5").settings().train().batchSize());
    }

    @Test
    void listValuesQuotedOrNot() {
        assertEquals(List.of("q", "v", "o"),
                load(file(), "peft.lora.target_modules=[q,v,o]").settings().peft().lora().getStringList("target_modules"));
        assertEquals(List.of("q", "k"),
                load(file(), "peft.lora.target_modules=[\"q\", \"k\"]").settings().peft().lora()
                        .getStringList("target_modules"));
        OptimConfig o = load(file(), "optim.betas=[0.8, 0.99]").settings().optim();
        assertEquals(0.8, o.beta1());
        assertEquals(0.99, o.beta2());
    }

    @Test
    void objectValueMergesIntoASection() {
        Path f = file("optim.schedule.warmup_steps = 7");
        ScheduleConfig s = load(f, "optim.schedule={name=cosine, final_lr=1e-5}").settings().optim().schedule();
        assertEquals(ScheduleConfig.Kind.COSINE, s.name());
        assertEquals(1e-5, s.finalLr());
        assertEquals(7, s.warmupSteps()); // kept from the file
    }

    @Test
    void objectValueWithAnUnknownKeyIsAnError() {
        assertEquals(List.of("command line: unknown key 'optim.schedule.nme' (did you mean 'optim.schedule.name'?)"),
                ConfigTestFiles.problems(() -> load(file(), "optim.schedule={nme=cosine}")));
    }

    @Test
    void openSectionsTakeAnyKeyAndAreReplacedByAnObject() {
        Path f = file("run.tags { team = nlp }", "model.config_overrides { dropout_rate = 0.0 }");
        RunConfig run = load(f, "run.tags.ticket=12").settings().run();
        assertEquals(Map.of("team", "nlp", "ticket", "12"), run.tags());
        assertEquals(Map.of("owner", "me"), load(f, "run.tags={owner=me}").settings().run().tags());
        assertEquals(Map.of(), load(f, "run.tags={}").settings().run().tags());
        ModelConfig m = load(f, "model.config_overrides.num_layers=2").settings().model();
        assertEquals(Map.of("dropout_rate", 0, "num_layers", 2), m.configOverrides());
        Map<String, Path> adapters = load(f, "serve.adapters.news=runs/a/adapter").settings().serve().adapters();
        // A path given on the command line is relative to the working directory.
        assertEquals(Map.of("news", Path.of("runs/a/adapter").toAbsolutePath()), adapters);
    }

    @Test
    void plusAddsANewKeyThatTheSavedConfigKeeps() {
        LoadedConfig loaded = load(file(), "+experiment.note=first try", "+optim.foo=1");
        assertEquals("first try", loaded.config().getString("experiment.note"));
        assertEquals(List.of("experiment.note", "optim.foo"), loaded.config().getStringList("added_keys"));
        Path saved = write(dir, "saved.conf", loaded.rendered());
        assertEquals(loaded.config(), load(saved).config());
    }

    @Test
    void plusOnAKeyAddedBeforeIsAnError() {
        assertEquals(List.of("command line: key 'extra' exists already: drop the + to set it (extra=2)"),
                ConfigTestFiles.problems(() -> load(file(), "+extra=1", "+extra=2")));
        assertEquals(2, load(file(), "+extra=1", "extra=2").config().getInt("extra"));
    }

    @Test
    void tildeGoesBackToTheBaseDefault() {
        Path f = file("optim.lr = 1e-3", "optim.schedule { name = cosine, warmup_steps = 5 }", "adapter = out/a");
        TrainerConfig s = load(f, "~optim.lr", "~optim.schedule", "~adapter").settings();
        assertEquals(3e-4, s.optim().lr());
        assertEquals(ScheduleConfig.Kind.LINEAR, s.optim().schedule().name());
        assertEquals(0, s.optim().schedule().warmupSteps());
        assertTrue(s.adapter().isEmpty()); // base default null
    }

    @Test
    void tildeRemovesKeysThatBaseLacks() {
        Path f = file("run.tags { team = nlp, ticket = 3 }");
        assertEquals(Map.of("ticket", "3"), load(f, "~run.tags.team").settings().run().tags());
        LoadedConfig l = load(file(), "+extra=1", "~extra");
        assertTrue(!l.config().hasPath("extra"));
        assertEquals(List.of(), l.config().getStringList("added_keys"));
    }

    @Test
    void nullIsWrittenNull() {
        Path f = file("adapter = out/a", "model.dropout = 0.2");
        TrainerConfig s = load(f, "adapter=null", "model.dropout=null").settings();
        assertTrue(s.adapter().isEmpty());
        assertTrue(s.model().dropout().isEmpty());
    }

    @Test
    void emptyValueIsTheEmptyString() {
        assertEquals("", load(file(), "peft.prompt_tuning.init_text=").config().getString(
                "peft.prompt_tuning.init_text"));
        // ...which a key that must not be empty then refuses.
        assertEquals(List.of("command line: data.path must not be empty"),
                ConfigTestFiles.problems(() -> load(file(), "data.path=")));
    }

    @Test
    void unquotedTextIsTakenLiterally() {
        TrainerConfig s = load(file(),
                "model.path=/models/flan-t5-base#2",
                "data.path=http://host//data",
                "run.name=exp 1",
                "peft.lora.init=gaussian",
                "run.tags.id=007").settings();
        assertEquals(Path.of("/models/flan-t5-base#2"), s.model().path());
        assertEquals(Path.of("http://host//data").toAbsolutePath().normalize(), s.data().path());
        assertEquals("exp 1", s.run().name());
        assertEquals("gaussian", s.peft().lora().getString("init")); // as LoraInit.GAUSSIAN: PeftSettingsTest
        assertEquals("007", s.run().tags().get("id"));
    }

    @Test
    void quotedStringsKeepEscapes() {
        String template = load(file(), "data.prompt_template=\"Dialogue:\\n{dialogue}\\nSummary:\"").settings()
                .data().promptTemplate();
        assertEquals("Dialogue:\n{dialogue}\nSummary:", template);
    }

    @Test
    void booleansAndNumbers() {
        TrainerConfig s = load(file(), "train.bucket_by_length=false", "optim.weight_decay=0.01",
                "train.max_steps=200", "peft.lora.init=false").settings();
        assertEquals(false, s.train().bucketByLength());
        assertEquals(0.01, s.optim().weightDecay());
        assertEquals(200, s.train().maxSteps().getAsInt());
        assertEquals("false", s.peft().lora().getString("init")); // as LoraInit.NONE: PeftSettingsTest
    }

    @Test
    void substitutionsInTheFileSeeOverrides() {
        Path f = file("eval.batch_size = ${train.batch_size}");
        assertEquals(16, load(f, "train.batch_size=16").settings().eval().batchSize());
        assertEquals(6, load(f, "eval.batch_size=${train.grad_accum_steps}", "train.grad_accum_steps=6")
                .settings().eval().batchSize());
    }

    @Test
    void parseOverridesAloneChecksFormOnly() {
        List<ConfigOverride> o = ConfigLoader.parseOverrides(List.of("model.path=m", "+x.y=[1,2]", "~adapter"));
        assertEquals(List.of(ConfigOverride.Kind.SET, ConfigOverride.Kind.ADD, ConfigOverride.Kind.REMOVE),
                o.stream().map(ConfigOverride::kind).toList());
        assertEquals(List.of("model.path", "x.y", "adapter"), o.stream().map(ConfigOverride::key).toList());
        assertEquals(List.of(1, 2), o.get(1).value().unwrapped());
    }

    @Test
    void argumentsSplitIntoConfigAndOverrides() {
        ConfigArguments a = ConfigArguments.split(List.of("configs/x.conf", "optim.lr=1", "~adapter", "+a.b=2"));
        assertEquals(Path.of("configs/x.conf"), a.config().orElseThrow());
        assertEquals(List.of("optim.lr=1", "~adapter", "+a.b=2"), a.overrides());
        ConfigArguments none = ConfigArguments.split(List.of("optim.lr=1"));
        assertTrue(none.config().isEmpty());
        UserException e = assertThrows(UserException.class,
                () -> ConfigArguments.split(List.of("a.conf", "b.conf")));
        assertEquals("'b.conf' is not an override (key=value, +key=value or ~key); only the first argument may be "
                + "a config file", e.getMessage());
    }
}
