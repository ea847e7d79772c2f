package org.pefttrainer.eval.rouge;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Porter stemmer as NLTK's {@code nltk.stem.porter.PorterStemmer} runs it in its default
 * {@code NLTK_EXTENSIONS} mode, which is what {@code rouge_score} uses with {@code use_stemmer=True}.
 *
 * <p>It differs from Martin Porter's reference (and from Lucene's and Snowball's Porter) in several places, all
 * marked "NLTK" below: a table of irregular forms, words of one or two letters left alone, {@code -ies}/{@code -ied}
 * on four-letter words, the y&rarr;i rule, {@code -alli} handled first, {@code -fulli} and {@code -logi}, and a
 * two-letter vowel-consonant word counting as "ends cvc". Porting those rules faithfully is the only way to get
 * the same ROUGE numbers. Stateless and thread-safe.
 */
public final class PorterStemmer {

    /** NLTK: irregular forms, looked up on the word as given (before lowercasing), mapped to their stem. */
    private static final Map<String, String> IRREGULAR_FORMS = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** Step 2 (after the NLTK {@code -alli} pre-rule): all need m &gt; 0 of what remains. */
    private static final List<Rule> STEP2 = List.of(
            positive("ational", "ate"), positive("tional", "tion"), positive("enci", "ence"),
            positive("anci", "ance"), positive("izer", "ize"),
            positive("bli", "ble"), // NLTK and Martin's extensions: -bli, not the paper's -abli
            positive("alli", "al"), positive("entli", "ent"), positive("eli", "e"), positive("ousli", "ous"),
            positive("ization", "ize"), positive("ation", "ate"), positive("ator", "ate"),
            positive("alism", "al"), positive("iveness", "ive"), positive("fulness", "ful"),
            positive("ousness", "ous"), positive("aliti", "al"), positive("iviti", "ive"),
            positive("biliti", "ble"),
            positive("fulli", "ful"), // NLTK
            // NLTK: the 'l' of -logi stays with the stem when measuring, so geo-logi works like archaeo-logi.
            new Rule("logi", "log", stem -> measure(stem + "l") > 0));

    private static final List<Rule> STEP3 = List.of(
            positive("icate", "ic"), positive("ative", ""), positive("alize", "al"), positive("iciti", "ic"),
            positive("ical", "ic"), positive("ful", ""), positive("ness", ""));

    private static final List<Rule> STEP4 = List.of(
            greaterThanOne("al"), greaterThanOne("ance"), greaterThanOne("ence"), greaterThanOne("er"),
            greaterThanOne("ic"), greaterThanOne("able"), greaterThanOne("ible"), greaterThanOne("ant"),
            greaterThanOne("ement"), greaterThanOne("ment"), greaterThanOne("ent"),
            new Rule("ion", "", stem -> measure(stem) > 1 && endsWithAny(stem, 's', 't')),
            greaterThanOne("ou"), greaterThanOne("ism"), greaterThanOne("ate"), greaterThanOne("iti"),
            greaterThanOne("ous"), greaterThanOne("ive"), greaterThanOne("ize"));

    /** Returns the stem of {@code word}; rouge_score only passes lowercase runs of {@code [a-z0-9]}. */
    public String stem(String word) {
        String irregular = IRREGULAR_FORMS.get(word);
        String lower = word.toLowerCase(Locale.ROOT);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) { // NLTK: too short to stem
            return lower;
        }
        String w = step1a(lower);
        w = step1b(w);
        w = step1c(w);
        w = step2(w);
        w = step3(w);
        w = step4(w);
        w = step5a(w);
        return step5b(w);
    }

    private static String step1a(String w) {
        if (w.endsWith("ies") && w.length() == 4) { // NLTK: ties -> tie, but flies -> fli
            return replaceSuffix(w, 3, "ie");
        }
        if (w.endsWith("sses")) {
            return replaceSuffix(w, 4, "ss");
        }
        if (w.endsWith("ies")) {
            return replaceSuffix(w, 3, "i");
        }
        if (w.endsWith("ss")) {
            return w;
        }
        if (w.endsWith("s")) {
            return replaceSuffix(w, 1, "");
        }
        return w;
    }

    private static String step1b(String w) {
        if (w.endsWith("ied")) { // NLTK: died -> die, spied -> spi
            return replaceSuffix(w, 3, w.length() == 4 ? "ie" : "i");
        }
        if (w.endsWith("eed")) {
            String stem = replaceSuffix(w, 3, "");
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String stem;
        if (w.endsWith("ed") && containsVowel(replaceSuffix(w, 2, ""))) {
            stem = replaceSuffix(w, 2, "");
        } else if (w.endsWith("ing") && containsVowel(replaceSuffix(w, 3, ""))) {
            stem = replaceSuffix(w, 3, "");
        } else {
            return w;
        }
        // Tidying after -ed/-ing; the first rule whose suffix applies decides, even when its condition fails.
        if (stem.endsWith("at") || stem.endsWith("bl") || stem.endsWith("iz")) {
            return stem + "e";
        }
        if (endsDoubleConsonant(stem)) {
            return endsWithAny(stem, 'l', 's', 'z') ? stem : stem.substring(0, stem.length() - 1);
        }
        return measure(stem) == 1 && endsCvc(stem) ? stem + "e" : stem;
    }

    private static String step1c(String w) {
        // NLTK: y -> i only after a consonant that is not the whole stem (happy -> happi, enjoy and by stay).
        if (w.endsWith("y")) {
            String stem = replaceSuffix(w, 1, "");
            boolean afterConsonant = stem.length() > 1 && isConsonant(stem, stem.length() - 1);
            return afterConsonant ? stem + "i" : w;
        }
        return w;
    }

    private static String step2(String w) {
        // NLTK: -alli -> -al first, then step 2 again on the result.
        if (w.endsWith("alli") && measure(replaceSuffix(w, 4, "")) > 0) {
            return step2(replaceSuffix(w, 4, "al"));
        }
        return applyFirstMatching(w, STEP2);
    }

    private static String step3(String w) {
        return applyFirstMatching(w, STEP3);
    }

    private static String step4(String w) {
        return applyFirstMatching(w, STEP4);
    }

    private static String step5a(String w) {
        // Unlike the other steps both rules on -e are tried: (m>1) E -> , then (m=1 and not *o) E -> .
        if (w.endsWith("e")) {
            String stem = replaceSuffix(w, 1, "");
            int m = measure(stem);
            if (m > 1 || (m == 1 && !endsCvc(stem))) {
                return stem;
            }
        }
        return w;
    }

    private static String step5b(String w) {
        // (m>1 and *d and *L) -> single letter; the measure is taken with one 'l' still on.
        if (w.endsWith("ll") && measure(replaceSuffix(w, 1, "")) > 1) {
            return replaceSuffix(w, 1, "");
        }
        return w;
    }

    /** The first rule whose suffix ends {@code w} decides: its replacement if its condition holds, else no change. */
    private static String applyFirstMatching(String w, List<Rule> rules) {
        for (Rule rule : rules) {
            if (w.endsWith(rule.suffix)) {
                String stem = replaceSuffix(w, rule.suffix.length(), "");
                return rule.condition.test(stem) ? stem + rule.replacement : w;
            }
        }
        return w;
    }

    private static String replaceSuffix(String w, int suffixLength, String replacement) {
        return w.substring(0, w.length() - suffixLength) + replacement;
    }

    /** A letter other than a, e, i, o, u, and other than a y that follows a consonant. */
    static boolean isConsonant(String w, int i) {
        boolean consonant = true;
        for (int k = 0; k <= i; k++) {
            consonant = consonantAt(w, k, consonant);
        }
        return consonant;
    }

    /** Porter's m: the number of vowel-consonant transitions in the stem's c/v pattern. */
    static int measure(String stem) {
        int m = 0;
        boolean previousConsonant = true;
        for (int k = 0; k < stem.length(); k++) {
            boolean consonant = consonantAt(stem, k, previousConsonant);
            if (k > 0 && consonant && !previousConsonant) {
                m++;
            }
            previousConsonant = consonant;
        }
        return m;
    }

    private static boolean consonantAt(String w, int k, boolean previousConsonant) {
        char c = w.charAt(k);
        if (c == 'y') {
            return k == 0 || !previousConsonant;
        }
        return c != 'a' && c != 'e' && c != 'i' && c != 'o' && c != 'u';
    }

    private static boolean containsVowel(String stem) {
        boolean previousConsonant = true;
        for (int k = 0; k < stem.length(); k++) {
            previousConsonant = consonantAt(stem, k, previousConsonant);
            if (!previousConsonant) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** Porter's *o: ends consonant-vowel-consonant, the last not w, x or y; NLTK adds a two-letter vowel-consonant word. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n >= 3) {
            char last = w.charAt(n - 1);
            return isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)
                    && last != 'w' && last != 'x' && last != 'y';
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
    }

    private static boolean endsWithAny(String w, char... letters) {
        if (w.isEmpty()) {
            return false;
        }
        char last = w.charAt(w.length() - 1);
        for (char letter : letters) {
            if (last == letter) {
                return true;
            }
        }
        return false;
    }

    private static Rule positive(String suffix, String replacement) {
        return new Rule(suffix, replacement, stem -> measure(stem) > 0);
    }

    private static Rule greaterThanOne(String suffix) {
        return new Rule(suffix, "", stem -> measure(stem) > 1);
    }

    private record Rule(String suffix, String replacement, java.util.function.Predicate<String> condition) {}
}
