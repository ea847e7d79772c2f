package org.pefttrainer.eval.report;

import org.pefttrainer.eval.rouge.RougeType;
import org.pefttrainer.eval.report.chart.Marker;
import org.pefttrainer.eval.report.chart.Palette;

/** How each ROUGE type looks in the report: name, colour, dash and symbol (all four differ). */
final class RougeLabels {
    private RougeLabels() {}

    static String label(RougeType t) {
        return switch (t) {
            case ROUGE1 -> "ROUGE-1";
            case ROUGE2 -> "ROUGE-2";
            case ROUGE_L -> "ROUGE-L";
            case ROUGE_LSUM -> "ROUGE-Lsum";
        };
    }

    static String color(RougeType t) {
        return switch (t) {
            case ROUGE1 -> Palette.BLUE;
            case ROUGE2 -> Palette.ORANGE;
            case ROUGE_L -> Palette.BLUISH_GREEN;
            case ROUGE_LSUM -> Palette.REDDISH_PURPLE;
        };
    }

    static String dash(RougeType t) {
        return switch (t) {
            case ROUGE1 -> null;
            case ROUGE2 -> "7 4";
            case ROUGE_L -> "2 4";
            case ROUGE_LSUM -> "10 4 2 4";
        };
    }

    static Marker marker(RougeType t) {
        return switch (t) {
            case ROUGE1 -> Marker.CIRCLE;
            case ROUGE2 -> Marker.SQUARE;
            case ROUGE_L -> Marker.TRIANGLE;
            case ROUGE_LSUM -> Marker.DIAMOND;
        };
    }
}
