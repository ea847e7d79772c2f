package org.pefttrainer.eval.report.chart;

/** Point symbols; the shapes differ so that series stay apart without colour. */
public enum Marker {
    NONE, CIRCLE, SQUARE, TRIANGLE, DIAMOND
}
