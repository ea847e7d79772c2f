package org.pefttrainer.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SubsetTest {
    private static final List<Integer> ITEMS = IntStream.range(0, 100).boxed().collect(Collectors.toList());

    @Test
    void firstAndAll() {
        assertEquals(List.of(0, 1, 2), Subset.first(3).apply(ITEMS));
        assertEquals(ITEMS, Subset.first(500).apply(ITEMS));
        assertEquals(ITEMS, Subset.all().apply(ITEMS));
        assertEquals(List.of(), Subset.first(0).apply(ITEMS));
    }

    @Test
    void randomIsSeededDistinctAndInDatasetOrder() {
        List<Integer> a = Subset.random(10, 1).apply(ITEMS);
        assertEquals(a, Subset.random(10, 1).apply(ITEMS));
        assertNotEquals(a, Subset.random(10, 2).apply(ITEMS));
        assertEquals(10, a.stream().distinct().count());
        for (int i = 1; i < a.size(); i++) {
            assertTrue(a.get(i - 1) < a.get(i));
        }
        assertNotEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), a);
        assertEquals(ITEMS, Subset.random(100, 1).apply(ITEMS));
    }
}
