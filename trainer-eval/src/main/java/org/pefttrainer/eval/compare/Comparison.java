package org.pefttrainer.eval.compare;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pefttrainer.eval.metrics.Resampling;
import org.pefttrainer.eval.metrics.TextMetrics;
import org.pefttrainer.eval.rouge.BootstrapSettings;

/**
 * Rows side by side: each row's metrics (ROUGE-1/2/L/Lsum, BLEU, exact match, each with its bootstrap interval),
 * its loss and training figures, and for every row after the first its difference to the first (the baseline),
 * with a paired bootstrap p-value where both rows scored the same examples against the same references.
 */
public final class Comparison {
    /** Metric keys in column order, with their headings. */
    public static final Map<String, String> METRICS = new LinkedHashMap<>();

    static {
        METRICS.put("rouge1", "ROUGE-1");
        METRICS.put("rouge2", "ROUGE-2");
        METRICS.put("rougeL", "ROUGE-L");
        METRICS.put("rougeLsum", "ROUGE-Lsum");
        METRICS.put("bleu", "BLEU");
        METRICS.put("exact_match", "EM");
    }

    /** A row with its scores. */
    public record Row(ComparedRow source, Map<String, Resampling.Estimate> metrics, Map<String, Double> delta,
            Map<String, Double> pValue, boolean paired) {}

    private final List<Row> rows;
    private final BootstrapSettings bootstrap;

    private Comparison(List<Row> rows, BootstrapSettings bootstrap) {
        this.rows = rows;
        this.bootstrap = bootstrap;
    }

    public List<Row> rows() {
        return rows;
    }

    public BootstrapSettings bootstrap() {
        return bootstrap;
    }

    public static Comparison of(List<ComparedRow> sources, BootstrapSettings bootstrap) {
        List<Row> out = new ArrayList<>();
        List<List<TextMetrics.ExampleScores>> scored = new ArrayList<>();
        for (ComparedRow src : sources) {
            TextMetrics tm = new TextMetrics(EnumSet.allOf(TextMetrics.Family.class), src.useStemmer(), bootstrap);
            List<TextMetrics.ExampleScores> s = new ArrayList<>();
            for (ComparedRow.Scored e : src.examples()) {
                s.add(tm.score(e.prediction(), e.references()));
            }
            scored.add(s);
            Map<String, Resampling.Estimate> m = tm.summarize(s).estimates();
            Map<String, Double> delta = new LinkedHashMap<>();
            Map<String, Double> p = new LinkedHashMap<>();
            boolean paired = false;
            if (!out.isEmpty()) {
                Row base = out.get(0);
                paired = src.sameExamplesAs(base.source());
                for (String k : METRICS.keySet()) {
                    delta.put(k, m.get(k).value() - base.metrics().get(k).value());
                    if (paired) {
                        p.put(k, Resampling.pairedPValue(s.size(), TextMetrics.statistic(k, s),
                                TextMetrics.statistic(k, scored.get(0)), bootstrap.resamples(), bootstrap.seed()));
                    }
                }
                if (src.loss() != null && base.source().loss() != null) {
                    delta.put("loss", src.loss() - base.source().loss());
                }
            }
            out.add(new Row(src, m, delta, p, paired));
        }
        return new Comparison(out, bootstrap);
    }

    // ---- plain tables (terminal and Markdown)

    /** The header and body cells of the main table. */
    List<List<String>> mainTable(boolean withIntervals) {
        List<List<String>> t = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("run", "method", "trainable params", "adapter size", "train time",
                "tokens/s", "peak memory"));
        METRICS.values().forEach(head::add);
        head.add("loss");
        t.add(head);
        for (Row r : rows) {
            JsonNode tr = r.source().training();
            List<String> c = new ArrayList<>();
            c.add(r.source().name());
            c.add(r.source().method());
            c.add(tr == null ? (r.source().method().equals("zero-shot") ? "0 (0%)" : "?")
                    : String.format(Locale.ROOT, "%,d (%s%%)", tr.path("trainable_parameters").asLong(),
                            percent(tr.path("trainable_percent").asDouble())));
            c.add(tr == null || !tr.has("adapter_bytes") ? "-" : bytes(tr.get("adapter_bytes").asLong()));
            c.add(tr == null ? "-" : duration(tr.path("train_seconds").asDouble()));
            c.add(tr == null || !tr.has("tokens_per_second") ? "-"
                    : String.format(Locale.ROOT, "%,.0f", tr.get("tokens_per_second").asDouble()));
            c.add(tr == null || !tr.has("peak_rss_mib") ? "-"
                    : String.format(Locale.ROOT, "%,.0f MiB", tr.get("peak_rss_mib").asDouble()));
            for (String k : METRICS.keySet()) {
                c.add(estimate(r.metrics().get(k), k, withIntervals));
            }
            c.add(r.source().loss() == null ? "-" : String.format(Locale.ROOT, "%.4f", r.source().loss()));
            t.add(c);
        }
        return t;
    }

    /** Differences to the first row, with the paired p-values. */
    List<List<String>> deltaTable() {
        List<List<String>> t = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("run", "vs " + rows.get(0).source().name()));
        METRICS.values().forEach(head::add);
        head.add("loss");
        t.add(head);
        for (Row r : rows.subList(1, rows.size())) {
            List<String> c = new ArrayList<>();
            c.add(r.source().name());
            c.add(r.paired() ? "paired, " + r.source().examples().size() + " examples" : "different examples: no test");
            for (String k : METRICS.keySet()) {
                String d = signed(r.delta().get(k), k.equals("bleu") ? 2 : 4);
                Double p = r.pValue().get(k);
                c.add(p == null ? d : d + " (p=" + String.format(Locale.ROOT, "%.3f", p) + ")");
            }
            c.add(r.delta().containsKey("loss") ? signed(r.delta().get("loss"), 4) : "-");
            t.add(c);
        }
        return t;
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Comparison of %d rows (ROUGE F and EM 0-1, BLEU 0-100 as sacreBLEU;"
                + " %s%% bootstrap intervals, %d resamples, seed %d; loss: token NLL of the references)%n",
                rows.size(), trim(100 * bootstrap.confidence()), bootstrap.resamples(), bootstrap.seed()));
        sb.append(fixedWidth(mainTable(true)));
        if (rows.size() > 1) {
            sb.append(String.format("%nDifference to the baseline (%s); p: paired bootstrap (two-sided), %d resamples%n",
                    rows.get(0).source().name(), bootstrap.resamples()));
            sb.append(fixedWidth(deltaTable()));
        }
        for (Row r : rows) {
            sb.append(String.format("  %s: %s, %d examples (%s)%n", r.source().name(), r.source().split(),
                    r.source().examples().size(), r.source().folder()));
        }
        return sb.toString();
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(markdown(mainTable(true)));
        if (rows.size() > 1) {
            sb.append("\nDifference to ").append(rows.get(0).source().name())
                    .append(" (p: paired bootstrap, ").append(bootstrap.resamples()).append(" resamples):\n\n");
            sb.append(markdown(deltaTable()));
        }
        return sb.toString();
    }

    static String fixedWidth(List<List<String>> t) {
        int cols = t.get(0).size();
        int[] w = new int[cols];
        for (List<String> row : t) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < t.size(); r++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                String cell = t.get(r).get(i);
                line.append(i == 0 ? "" : "  ").append(i < 2 ? pad(cell, w[i], false) : pad(cell, w[i], true));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                int total = 0;
                for (int x : w) {
                    total += x + 2;
                }
                sb.append("-".repeat(total - 2)).append('\n');
            }
        }
        return sb.toString();
    }

    static String markdown(List<List<String>> t) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < t.size(); r++) {
            sb.append("| ").append(String.join(" | ", t.get(r).stream().map(s -> s.replace("|", "\\|")).toList()))
                    .append(" |\n");
            if (r == 0) {
                sb.append("|").append("---|".repeat(t.get(0).size())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(Math.max(0, w - s.length()));
        return right ? fill + s : s + fill;
    }

    static String estimate(Resampling.Estimate e, String key, boolean withInterval) {
        int digits = key.equals("bleu") ? 2 : 4;
        String v = String.format(Locale.ROOT, "%." + digits + "f", e.value());
        if (!withInterval || !e.hasInterval()) {
            return v;
        }
        return v + String.format(Locale.ROOT, " [%." + digits + "f, %." + digits + "f]", e.low(), e.high());
    }

    static String signed(Double v, int digits) {
        return v == null ? "-" : String.format(Locale.ROOT, "%+." + digits + "f", v);
    }

    static String percent(double p) {
        return p >= 1 ? String.format(Locale.ROOT, "%.1f", p) : String.format(Locale.ROOT, "%.3g", p);
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    static String duration(double s) {
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1f s", s);
        }
        return String.format(Locale.ROOT, "%d min %02d s", (long) s / 60, Math.round(s) % 60);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
