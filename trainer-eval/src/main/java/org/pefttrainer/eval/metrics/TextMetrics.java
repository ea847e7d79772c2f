package org.pefttrainer.eval.metrics;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.pefttrainer.core.UserException;
import org.pefttrainer.eval.bleu.Bleu;
import org.pefttrainer.eval.bleu.BleuScore;
import org.pefttrainer.eval.rouge.BootstrapAggregator;
import org.pefttrainer.eval.rouge.BootstrapSettings;
import org.pefttrainer.eval.rouge.ConfidenceInterval;
import org.pefttrainer.eval.rouge.RougeScorer;
import org.pefttrainer.eval.rouge.RougeScores;
import org.pefttrainer.eval.rouge.RougeSummary;
import org.pefttrainer.eval.rouge.RougeType;

/**
 * The text metrics of an evaluation, chosen by family: ROUGE-1/2/L/Lsum (rouge_score's means and bootstrap),
 * corpus BLEU (sacreBLEU's default, 0-100) and exact match (0-1), each with a bootstrap interval over the examples.
 */
public final class TextMetrics {
    /** What {@code eval.metrics} and {@code --metrics} name. */
    public enum Family {
        ROUGE("rouge"), BLEU("bleu"), EXACT_MATCH("exact_match");

        private final String key;

        Family(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** "rouge,bleu,exact_match" (or "all"); "em" is exact_match. */
        public static Set<Family> parse(List<String> names, String where) {
            Set<Family> out = EnumSet.noneOf(Family.class);
            for (String raw : names) {
                String n = raw.strip().toLowerCase(Locale.ROOT);
                if (n.equals("all")) {
                    out.addAll(EnumSet.allOf(Family.class));
                    continue;
                }
                Family f = switch (n) {
                    case "rouge" -> ROUGE;
                    case "bleu" -> BLEU;
                    case "exact_match", "em" -> EXACT_MATCH;
                    default -> throw new UserException(where + ": unknown metric '" + raw
                            + "' (rouge, bleu, exact_match, or all)");
                };
                out.add(f);
            }
            if (out.isEmpty()) {
                throw new UserException(where + ": name at least one metric (rouge, bleu, exact_match)");
            }
            return out;
        }
    }

    /** One example's scores; a family not computed is null (NaN for exact match). */
    public record ExampleScores(RougeScores rouge, Bleu.SegmentStats bleu, double exactMatch) {}

    /**
     * @param estimates metric key (rouge1, rouge2, rougeL, rougeLsum, bleu, exact_match) → value and interval
     * @param rouge     rouge_score's summary (null without ROUGE)
     * @param bleu      the corpus BLEU's parts (null without BLEU)
     */
    public record Summary(int count, Map<String, Resampling.Estimate> estimates, RougeSummary rouge, BleuScore bleu,
            BootstrapSettings bootstrap) {}

    private final Set<Family> families;
    private final RougeScorer rouge;
    private final BootstrapSettings bootstrap;

    public TextMetrics(Set<Family> families, boolean useStemmer, BootstrapSettings bootstrap) {
        this.families = EnumSet.copyOf(families);
        this.rouge = new RougeScorer(useStemmer);
        this.bootstrap = bootstrap;
    }

    public Set<Family> families() {
        return families;
    }

    public boolean usesStemmer() {
        return rouge.usesStemmer();
    }

    public ExampleScores score(String prediction, List<String> references) {
        return new ExampleScores(
                families.contains(Family.ROUGE) ? rouge.score(prediction, references) : null,
                families.contains(Family.BLEU) ? Bleu.segment(prediction, references) : null,
                families.contains(Family.EXACT_MATCH) ? ExactMatch.score(prediction, references) : Double.NaN);
    }

    public Summary summarize(List<ExampleScores> scores) {
        int n = scores.size();
        if (n == 0) {
            throw new UserException("no examples to score");
        }
        Map<String, Resampling.Estimate> est = new LinkedHashMap<>();
        RougeSummary rs = null;
        if (families.contains(Family.ROUGE)) {
            BootstrapAggregator agg = new BootstrapAggregator(bootstrap);
            scores.forEach(s -> agg.add(s.rouge()));
            rs = agg.aggregate();
            for (RougeType t : RougeType.values()) {
                ConfidenceInterval ci = rs.interval().get(t);
                est.put(t.key(), new Resampling.Estimate(rs.mean().get(t).fmeasure(), ci.low().fmeasure(),
                        ci.mid().fmeasure(), ci.high().fmeasure()));
            }
        }
        BleuScore bleu = null;
        if (families.contains(Family.BLEU)) {
            List<Bleu.SegmentStats> segs = new ArrayList<>();
            scores.forEach(s -> segs.add(s.bleu()));
            bleu = Bleu.corpus(segs);
            est.put("bleu", Resampling.estimate(n, statistic("bleu", scores), bootstrap));
        }
        if (families.contains(Family.EXACT_MATCH)) {
            est.put("exact_match", Resampling.estimate(n, statistic("exact_match", scores), bootstrap));
        }
        return new Summary(n, est, rs, bleu, bootstrap);
    }

    /** A metric over a resample of the examples, for intervals and paired tests. */
    public static ToDoubleFunction<int[]> statistic(String metric, List<ExampleScores> scores) {
        int n = scores.size();
        switch (metric) {
            case "bleu" -> {
                List<Bleu.SegmentStats> segs = new ArrayList<>(n);
                scores.forEach(s -> segs.add(s.bleu()));
                return idx -> Bleu.corpus(segs, idx).score();
            }
            case "exact_match" -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = scores.get(i).exactMatch();
                }
                return Resampling.mean(v);
            }
            default -> {
                RougeType t = RougeType.fromKey(metric);
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = scores.get(i).rouge().get(t).fmeasure();
                }
                return Resampling.mean(v);
            }
        }
    }
}
