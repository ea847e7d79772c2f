package org.pefttrainer.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pefttrainer.core.config.ConfigTestFiles.load;
import static org.pefttrainer.core.config.ConfigTestFiles.problems;
import static org.pefttrainer.core.config.ConfigTestFiles.write;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pefttrainer.core.UserException;

/** Each way a config can be wrong gives its one-line message, with the file:line or "command line". */
class ConfigErrorsTest {
    @TempDir Path dir;

    @Test
    void unknownKeyInFileNamesFileLineAndTheClosestKey() {
        Path f = write(dir, "my.conf", "include \"base.conf\"", "", "optim {", "  lrr = 0.1", "}");
        assertEquals(List.of(f + ":4: unknown key 'optim.lrr' (did you mean 'optim.lr'?)"), problems(() -> load(f)));
    }

    @Test
    void unknownKeyWhoseLeafLivesInAnotherSectionSuggestsThatSection() {
        Path f = write(dir, "my.conf", "train.lr = 0.1", "lora.r = 4");
        assertEquals(List.of(
                f + ":2: unknown key 'lora' (did you mean 'peft.lora'?)",
                f + ":1: unknown key 'train.lr' (did you mean 'optim.lr'?)"), problems(() -> load(f)));
    }

    @Test
    void unknownOverrideKeyHasDidYouMean() {
        Path f = write(dir, "my.conf", "include \"base.conf\"");
        assertEquals(List.of("command line: unknown key 'optim.lrr' (did you mean 'optim.lr'?)"),
                problems(() -> load(f, "optim.lrr=3e-4")));
        assertEquals(List.of("command line: unknown key 'optim.warmup_ratio' "
                        + "(did you mean 'optim.schedule.warmup_ratio'?)"),
                problems(() -> load(f, "optim.warmup_ratio=0.1")));
    }

    @Test
    void unknownOverrideKeyWithNothingCloseSaysHowToAddIt() {
        Path f = write(dir, "my.conf", "");
        assertEquals(List.of("command line: unknown key 'zzzzzz' (to add a new key, write +zzzzzz=...)"),
                problems(() -> load(f, "zzzzzz=1")));
    }

    @Test
    void plusOnAnExistingKeySaysToDropThePlus() {
        Path f = write(dir, "my.conf", "");
        assertEquals(List.of("command line: key 'optim.lr' exists already: drop the + to set it (optim.lr=3e-4)"),
                problems(() -> load(f, "+optim.lr=3e-4")));
    }

    @Test
    void plusBelowAValueIsRefused() {
        Path f = write(dir, "my.conf", "");
        assertEquals(List.of("command line: cannot add 'optim.lr.x': 'optim.lr' is a value, not a section"),
                problems(() -> load(f, "+optim.lr.x=1")));
    }

    @Test
    void tildeOnAMissingKey() {
        Path f = write(dir, "my.conf", "");
        assertEquals(List.of("command line: cannot remove 'optim.lrr': no such key (did you mean 'optim.lr'?)"),
                problems(() -> load(f, "~optim.lrr")));
    }

    @Test
    void wrongTypes() {
        Path f = write(dir, "my.conf",
                "peft.lora.r = 8.5",
                "optim.lr = fast",
                "train.bucket_by_length = maybe",
                "optim.betas = 0.9",
                "peft.lora.target_modules = { q = 1 }");
        assertEquals(List.of(
                f + ":4: optim.betas must be a list of numbers, got 0.9",
                f + ":2: optim.lr must be a number, got \"fast\"",
                f + ":1: peft.lora.r must be an integer, got 8.5",
                f + ":5: peft.lora.target_modules must be a string or a list of strings, got {\"q\":1}",
                f + ":3: train.bucket_by_length must be a boolean (true or false), got \"maybe\""),
                problems(() -> load(f)));
    }

    @Test
    void nullWhereNullIsNotAllowed() {
        Path f = write(dir, "my.conf", "optim.lr = null");
        assertEquals(List.of(f + ":1: optim.lr must be a number, got null"), problems(() -> load(f)));
    }

    @Test
    void sectionReplacedByAValue() {
        Path f = write(dir, "my.conf", "optim = 3");
        assertEquals(List.of(f + ":1: optim must be a section { ... }, got 3"), problems(() -> load(f)));
    }

    @Test
    void outOfRange() {
        Path f = write(dir, "my.conf",
                "peft.lora.r = 0",
                "peft.lora.dropout = 1.0",
                "optim.lr = 0",
                "train.batch_size = 0",
                "optim.schedule.warmup_ratio = 1",
                "generation.num_beams = 0",
                "generation.top_p = 0",
                "train.max_steps = 0",
                "optim.betas = [0.9, 1.0]",
                "serve.port = 70000");
        assertEquals(List.of(
                "generation.num_beams must be >= 1, got 0",
                "generation.top_p must be in (0, 1], got 0",
                "optim.betas elements must be in [0, 1); got [0.9,1]",
                "optim.lr must be > 0, got 0",
                "optim.schedule.warmup_ratio must be in [0, 1), got 1",
                "peft.lora.dropout must be in [0, 1), got 1",
                "peft.lora.r must be >= 1, got 0",
                "serve.port must be in [0, 65535], got 70000",
                "train.batch_size must be >= 1, got 0",
                "train.max_steps must be -1 or >= 1, got 0"),
                problems(() -> load(f)).stream().map(p -> p.substring(p.indexOf(": ") + 2)).toList());
    }

    @Test
    void badEnumValueListsTheAllowedValues() {
        Path f = write(dir, "my.conf", "peft.method = lor", "generation.strategy = nucleus");
        assertEquals(List.of(
                f + ":2: generation.strategy must be one of greedy, beam, sample; got \"nucleus\"",
                f + ":1: peft.method must be one of lora, prompt_tuning, full, none; got \"lor\""),
                problems(() -> load(f)));
    }

    @Test
    void enumValuesAreCaseInsensitive() {
        Path f = write(dir, "my.conf", "peft.prompt_tuning.init = sample_vocab", "eval.metric = ROUGEL");
        TrainerConfig s = load(f).settings();
        // peft.prompt_tuning.init = sample_vocab reads as PromptTuningInit.SAMPLE_VOCAB: PeftSettingsTest
        assertEquals(EvalConfig.Metric.ROUGE_L, s.eval().metric());
    }

    @Test
    void crossKeyRules() {
        Path f = write(dir, "my.conf",
                "peft.method = prompt_tuning",
                "peft.prompt_tuning.init = TEXT",
                "train.epochs = null",
                "optim.schedule { warmup_steps = 10, warmup_ratio = 0.1 }",
                "generation { strategy = beam, num_beams = 2, num_return_sequences = 3 }",
                "eval { every_epoch = false, early_stopping_patience = 2 }");
        assertEquals(List.of(
                f + ":3: train.epochs or train.max_steps must be set (train.epochs is null and train.max_steps is -1)",
                f + ":2: peft.prompt_tuning.init = TEXT needs peft.prompt_tuning.init_text",
                f + ":4: optim.schedule.warmup_steps and optim.schedule.warmup_ratio are both set: give one",
                f + ":5: generation.num_return_sequences (3) must be <= generation.num_beams (2)",
                f + ":6: eval.early_stopping_patience needs eval.every_epoch = true"),
                problems(() -> load(f)));
    }

    @Test
    void crossKeyRulesOfOtherMethodsDoNotApply() {
        // init = TEXT without text is only wrong when prompt tuning is what trains.
        Path f = write(dir, "my.conf", "peft.method = lora", "peft.prompt_tuning.init = TEXT");
        assertEquals(PeftConfig.Method.LORA, load(f).settings().peft().method());
    }

    @Test
    void maxStepsAloneIsEnough() {
        Path f = write(dir, "my.conf", "train { epochs = null, max_steps = 100 }");
        TrainConfig t = load(f).settings().train();
        assertTrue(t.epochs().isEmpty());
        assertEquals(100, t.maxSteps().getAsInt());
    }

    @Test
    void everyProblemIsReportedAtOnceFromFileAndCommandLine() {
        Path f = write(dir, "my.conf", "optim.lrr = 1", "peft.lora.r = -2");
        assertEquals(List.of(
                "command line: unknown key 'train.batchsize' (did you mean 'train.batch_size'?)",
                f + ":1: unknown key 'optim.lrr' (did you mean 'optim.lr'?)",
                "command line: optim.eps must be > 0, got 0",
                f + ":2: peft.lora.r must be >= 1, got -2"),
                problems(() -> load(f, "train.batchsize=4", "optim.eps=0")));
    }

    @Test
    void malformedOverridesAreReportedTogether() {
        Path f = write(dir, "my.conf", "");
        List<String> p = problems(() -> load(f, "optim.lr", "~optim.lr=1", "optim.betas=[0.9, 0.99"));
        assertEquals(3, p.size(), p.toString());
        assertEquals("command line: 'optim.lr' is not an override: write key=value, +key=value or ~key", p.get(0));
        assertEquals("command line: '~optim.lr=1': ~ takes no value; write ~optim.lr", p.get(1));
        assertTrue(p.get(2).startsWith("command line: cannot read the value of optim.betas: List should have ended "
                + "with ] or had a comma"), p.get(2));
    }

    @Test
    void invalidRegexAndRunName() {
        Path f = write(dir, "my.conf", "peft.lora.target_regex = \"(q|v\"", "run.name = \"a/b\"");
        List<String> p = problems(() -> load(f));
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).startsWith(f + ":1: peft.lora.target_regex is not a valid regex: Unclosed group"), p.get(0));
        assertEquals(f + ":2: run.name must be a folder name (not empty, no / or \\); got \"a/b\"", p.get(1));
    }

    @Test
    void regexTogetherWithModuleListIsRefused() {
        Path f = write(dir, "my.conf", "peft.lora { target_regex = \".*\\\\.(q|v)\", target_modules = [q] }");
        assertEquals(List.of(f + ":1: peft.lora.target_regex and peft.lora.target_modules are both set: give one "
                + "(target_modules = default when using target_regex)"), problems(() -> load(f)));
    }

    @Test
    void syntaxErrorNamesFileAndLine() {
        Path f = write(dir, "my.conf", "optim {", "  lr = 1 2 ]", "}");
        List<String> p = problems(() -> load(f));
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith(f + ":2: "), p.get(0));
    }

    @Test
    void missingFile() {
        UserException e = assertThrows(UserException.class, () -> load(dir.resolve("nope.conf")));
        assertEquals("config file not found: " + dir.resolve("nope.conf"), e.getMessage());
    }

    @Test
    void unresolvedSubstitution() {
        Path f = write(dir, "my.conf", "optim.lr = ${optim.nope}");
        List<String> p = problems(() -> load(f));
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith(f + ":1: ") && p.get(0).contains("optim.nope"), p.get(0));
    }
}
