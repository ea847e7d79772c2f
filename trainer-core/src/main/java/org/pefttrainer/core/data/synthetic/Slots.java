package org.pefttrainer.core.data.synthetic;

import java.util.List;
import java.util.Random;

/** The fillers of the synthetic dialogues: small closed lists, so a word-level vocabulary stays small. */
final class Slots {
    private Slots() {}

    static final List<String> SURNAMES = List.of("Smith", "Brown", "Lee", "Garcia", "Chen", "Miller", "Davis",
            "Wilson", "Taylor", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Green", "Baker", "Adams",
            "Nelson", "Hill", "Moore", "Scott", "Hall", "Allen");
    static final List<String> DAYS = List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
            "Sunday");
    static final List<String> EVENING = List.of("5 pm", "6 pm", "7 pm", "8 pm", "9 pm");
    static final List<String> DAYTIME = List.of("9 am", "10 am", "11 am", "noon", "1 pm", "2 pm", "3 pm", "4 pm");
    static final List<String> COLORS = List.of("red", "blue", "green", "black", "white", "yellow", "gray", "brown");
    static final List<String> ITEMS = List.of("umbrella", "jacket", "lamp", "backpack", "watch", "scarf", "teapot",
            "camera", "sweater", "wallet", "hat", "suitcase");
    static final List<String> PLACES = List.of("post office", "train station", "bank", "library", "museum",
            "supermarket", "hospital", "city hall", "bus stop", "pharmacy", "zoo", "stadium");
    static final List<String> STREETS = List.of("Oak Street", "Main Street", "Park Avenue", "River Road",
            "Hill Street", "Market Street", "Lake Road", "King Street", "Bridge Street", "Elm Street");
    static final List<String> LANDMARKS = List.of("the bakery", "the big hotel", "the cinema", "the small park",
            "the church", "the gas station", "the school", "the bookshop");
    static final List<String> CITIES = List.of("Boston", "Chicago", "Denver", "Seattle", "Dallas", "Miami",
            "Atlanta", "Phoenix", "Portland", "Austin", "Houston", "Detroit");
    static final List<String> MEETING_PLACES = List.of("the cafe", "the office", "the library", "the park",
            "the main gate", "the station", "the hotel lobby");
    static final List<String> ROOMS = List.of("single", "double", "twin", "family");
    static final List<String> SYMPTOMS = List.of("a headache", "a sore throat", "a bad cough", "back pain",
            "a fever", "an earache", "a toothache", "a rash");
    static final List<String> FOODS = List.of("pizzas", "burgers", "salads", "sandwiches", "tacos", "soups");
    static final List<String> DRINKS = List.of("colas", "lemonades", "iced teas", "orange juices");
    static final List<String> LOST_PLACES = List.of("gym", "cafeteria", "lobby", "library", "bus", "meeting room");
    /** Activities as after "to": invite someone to ... */
    static final List<String> ACTIVITIES = List.of("go hiking", "play tennis", "see a movie", "go swimming",
            "visit the museum", "have dinner", "go bowling", "watch a game");
    /** Reasons for declining, first person and third person. */
    static final List<String[]> REASONS = List.of(new String[] {"I have an exam", "has an exam"},
            new String[] {"I have to work", "has to work"},
            new String[] {"I am going to a wedding", "is going to a wedding"},
            new String[] {"I feel sick", "feels sick"},
            new String[] {"I am visiting my parents", "is visiting family"});

    static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    /** A value of {@code list} other than {@code not}. */
    static <T> T pickOther(Random r, List<T> list, T not) {
        T v;
        do {
            v = pick(r, list);
        } while (v.equals(not));
        return v;
    }

    /** A uniform integer in [lo, hi]. */
    static int between(Random r, int lo, int hi) {
        return lo + r.nextInt(hi - lo + 1);
    }
}
