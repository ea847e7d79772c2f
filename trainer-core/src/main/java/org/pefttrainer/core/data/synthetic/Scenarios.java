package org.pefttrainer.core.data.synthetic;

import static org.pefttrainer.core.data.synthetic.Slots.between;
import static org.pefttrainer.core.data.synthetic.Slots.pick;
import static org.pefttrainer.core.data.synthetic.Slots.pickOther;

import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * The everyday situations the synthetic dialogues act out. Each fills its slots at random, says every turn in one
 * of a few phrasings, and sometimes takes a detour (a full time slot, haggling, a refusal) so that the summary
 * has to follow the dialogue's outcome, not its first mention. Turns alternate, #Person1# first.
 */
final class Scenarios {
    private Scenarios() {}

    static final List<Function<Random, Dialogue>> ALL = List.of(Scenarios::restaurant, Scenarios::shopping,
            Scenarios::meeting, Scenarios::directions, Scenarios::hotel, Scenarios::doctor, Scenarios::tickets,
            Scenarios::lostItem, Scenarios::invitation, Scenarios::foodOrder);

    static Dialogue restaurant(Random r) {
        int n = between(r, 2, 10);
        String day = pick(r, Slots.DAYS);
        String asked = pick(r, Slots.EVENING);
        String time = asked;
        String name = pick(r, Slots.SURNAMES);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("I'd like to book a table for " + n + " people.", "Can I reserve a table for " + n + ", please?",
                        "Hello, I want a table for " + n + " people.")
                .say("Sure. What day and time?", "Of course. When would you like to come?");
        if (r.nextInt(3) == 0) {
            time = pickOther(r, Slots.EVENING, asked);
            d.say(day + " at " + asked + ".", "On " + day + ", at " + asked + ", please.")
                    .say("Sorry, " + asked + " is full. Is " + time + " OK?", "We are full at " + asked + ". How about "
                            + time + "?")
                    .say("Yes, " + time + " is fine.", "OK, " + time + " then.");
        } else {
            d.say(day + " at " + time + ".", "This " + day + " at " + time + ", please.");
        }
        d.say("May I have your name?", "Under what name?").say("It's " + name + ".", name + ", please.");
        return d.summary("restaurant booking",
                "#Person1# books a table for " + n + " people on " + day + " at " + time + " under the name " + name + ".",
                "#Person1# reserves a table for " + n + " at " + time + " on " + day + ".",
                name + " books a table for " + n + " people for " + day + " at " + time + ".");
    }

    static Dialogue shopping(Random r) {
        String color = pick(r, Slots.COLORS);
        String item = pick(r, Slots.ITEMS);
        int price = 5 * between(r, 4, 40);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("Can I help you?", "Good morning. Are you looking for something?")
                .say("Yes, I need a " + color + " " + item + ".", "I'm looking for a " + color + " " + item + ".")
                .say("This one is " + price + " dollars.", "How about this one? It's " + price + " dollars.");
        int roll = r.nextInt(3);
        if (roll == 0) {
            d.say("I'll take it.", "Great, I'll buy it.");
            return d.summary("shopping", "#Person2# buys a " + color + " " + item + " for " + price + " dollars.",
                    "#Person2# pays " + price + " dollars for a " + color + " " + item + ".",
                    "#Person1# sells #Person2# a " + color + " " + item + " for " + price + " dollars.");
        }
        int offer = price - 5 * between(r, 1, 3);
        d.say("That's too much. Can you do " + offer + "?", "It's a bit expensive. What about " + offer + " dollars?");
        if (roll == 1) {
            d.say("OK, " + offer + " dollars, then.", "Fine, you can have it for " + offer + ".")
                    .say("Thanks, I'll take it.", "Deal.");
            return d.summary("shopping", "#Person2# buys a " + color + " " + item + " for " + offer + " dollars.",
                    "#Person2# gets the " + color + " " + item + " for " + offer + " dollars instead of " + price + ".",
                    "#Person1# sells a " + color + " " + item + " to #Person2# for " + offer + " dollars.");
        }
        d.say("Sorry, the price is fixed.", "I'm afraid " + price + " is the lowest price.")
                .say("Then I'll leave it.", "Then I won't buy it, thanks.");
        return d.summary("shopping",
                "#Person2# wants a " + color + " " + item + " but does not buy it for " + price + " dollars.",
                "#Person2# thinks the " + color + " " + item + " is too expensive at " + price + " dollars.",
                "#Person2# does not buy the " + color + " " + item + " because " + price + " dollars is too much.");
    }

    static Dialogue meeting(Random r) {
        String first = pick(r, Slots.DAYS);
        String day = first;
        String time = pick(r, Slots.DAYTIME);
        String place = pick(r, Slots.MEETING_PLACES);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("Are you free on " + first + "?", "Can we meet on " + first + "?");
        if (r.nextBoolean()) {
            day = pickOther(r, Slots.DAYS, first);
            d.say("No, I'm busy on " + first + ". How about " + day + "?", "Sorry, not on " + first + ". Is " + day
                            + " OK?")
                    .say(day + " works. What time?", "Sure, " + day + " is fine. When?");
        } else {
            d.say("Yes, I am.", "Sure, I'm free.").say("Good. What time suits you?", "Great. When?");
        }
        d.say("At " + time + "?", "How about " + time + "?")
                .say("OK. Where shall we meet?", "Good. Where?")
                .say("At " + place + ".", "Let's meet at " + place + ".");
        return d.summary("meeting",
                "#Person1# and #Person2# will meet at " + place + " on " + day + " at " + time + ".",
                "#Person1# and #Person2# arrange to meet on " + day + " at " + time + " at " + place + ".",
                "They plan a meeting at " + place + " at " + time + " on " + day + ".");
    }

    static Dialogue directions(Random r) {
        String place = pick(r, Slots.PLACES);
        String street = pick(r, Slots.STREETS);
        String landmark = pick(r, Slots.LANDMARKS);
        String turn = r.nextBoolean() ? "left" : "right";
        int minutes = between(r, 2, 20);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("Excuse me, where is the " + place + "?", "Excuse me, how do I get to the " + place + "?")
                .say("Go down " + street + " and turn " + turn + " at " + landmark + ".", "Walk along " + street
                        + ", then turn " + turn + " at " + landmark + ".")
                .say("Is it far?", "How long does it take?")
                .say("About " + minutes + " minutes on foot.", "It's a " + minutes + " minute walk.")
                .say("Thank you very much.", "Thanks a lot.");
        return d.summary("directions",
                "#Person2# tells #Person1# to go down " + street + " and turn " + turn + " at " + landmark
                        + " to get to the " + place + ".",
                "#Person1# asks the way to the " + place + ", which is " + minutes + " minutes away on foot.",
                "The " + place + " is down " + street + ", " + turn + " at " + landmark + ".");
    }

    static Dialogue hotel(Random r) {
        String room = pick(r, Slots.ROOMS);
        int nights = between(r, 1, 9);
        String day = pick(r, Slots.DAYS);
        int price = 10 * between(r, 6, 30);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("I'd like to book a " + room + " room.", "Do you have a " + room + " room available?")
                .say("For how many nights?", "Sure. How many nights?")
                .say(nights + " nights, from " + day + ".", "From " + day + ", for " + nights + " nights.")
                .say("That's " + price + " dollars a night.", "It costs " + price + " dollars per night.")
                .say("OK, I'll take it.", "That's fine. Please book it.");
        return d.summary("hotel booking",
                "#Person1# books a " + room + " room for " + nights + " nights from " + day + " at " + price
                        + " dollars a night.",
                "#Person1# reserves a " + room + " room from " + day + " for " + nights + " nights.",
                "#Person2# books #Person1# a " + room + " room at " + price + " dollars per night for " + nights
                        + " nights.");
    }

    static Dialogue doctor(Random r) {
        String name = pick(r, Slots.SURNAMES);
        String symptom = pick(r, Slots.SYMPTOMS);
        String day = pick(r, Slots.DAYS);
        String time = pick(r, Slots.DAYTIME);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("I'd like to see Dr. " + name + ".", "Can I make an appointment with Dr. " + name + "?")
                .say("What is the problem?", "What seems to be the trouble?")
                .say("I have " + symptom + ".", "I've had " + symptom + " since yesterday.")
                .say("Dr. " + name + " can see you on " + day + " at " + time + ".", "Is " + day + " at " + time
                        + " OK?")
                .say("That's fine, thank you.", "Yes, that works.");
        return d.summary("doctor appointment",
                "#Person1# has " + symptom + " and makes an appointment with Dr. " + name + " on " + day + " at "
                        + time + ".",
                "#Person1# will see Dr. " + name + " on " + day + " at " + time + " about " + symptom + ".",
                "#Person2# books #Person1# in with Dr. " + name + " for " + day + " at " + time + ".");
    }

    static Dialogue tickets(Random r) {
        int n = between(r, 1, 6);
        String city = pick(r, Slots.CITIES);
        boolean ret = r.nextBoolean();
        String kind = ret ? "return" : "one-way";
        String time = pick(r, Slots.DAYTIME);
        int price = 5 * between(r, 4, 30) * n;
        String tickets = n == 1 ? "ticket" : "tickets";
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say(n + " " + tickets + " to " + city + ", please.", "I need " + n + " " + tickets + " to " + city
                        + ".")
                .say("One-way or return?", "Single or return?")
                .say(ret ? "Return, please." : "One-way, please.", ret ? "Return." : "Just one-way.")
                .say("The next train leaves at " + time + ". That's " + price + " dollars.", "That's " + price
                        + " dollars. The train leaves at " + time + ".")
                .say("Here you are.", "OK, here is the money.");
        return d.summary("train tickets",
                "#Person1# buys " + n + " " + kind + " " + tickets + " to " + city + " for the " + time + " train.",
                "#Person1# pays " + price + " dollars for " + n + " " + kind + " " + tickets + " to " + city + ".",
                "#Person2# sells #Person1# " + n + " " + tickets + " to " + city + "; the train leaves at " + time + ".");
    }

    static Dialogue lostItem(Random r) {
        String color = pick(r, Slots.COLORS);
        String item = pick(r, Slots.ITEMS);
        String where = pick(r, Slots.LOST_PLACES);
        String day = pick(r, Slots.DAYS);
        boolean found = r.nextInt(3) == 0;
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("I lost my " + color + " " + item + ".", "Has anyone found a " + color + " " + item + "?")
                .say("Where did you lose it?", "Where did you last see it?")
                .say("In the " + where + " on " + day + ".", "I think in the " + where + ", on " + day + ".");
        if (found) {
            d.say("Is this it? Someone brought it in.", "We have a " + color + " " + item + " here. Is it yours?")
                    .say("Yes, that's mine! Thank you.", "Yes! Thank you so much.");
            return d.summary("lost and found",
                    "#Person1# lost a " + color + " " + item + " in the " + where + " and #Person2# has found it.",
                    "#Person2# gives back the " + color + " " + item + " #Person1# lost in the " + where + ".",
                    "#Person1# gets back the " + color + " " + item + " lost on " + day + ".");
        }
        d.say("Nothing yet. Leave your number and we will call you.", "We don't have it. We'll call you if it turns up.")
                .say("OK, thank you.", "Thanks, I'll wait.");
        return d.summary("lost and found",
                "#Person1# lost a " + color + " " + item + " in the " + where + " and #Person2# will call if it is found.",
                "#Person1# reports a lost " + color + " " + item + "; #Person2# has not found it yet.",
                "#Person2# will call #Person1# if the " + color + " " + item + " lost on " + day + " is found.");
    }

    static Dialogue invitation(Random r) {
        String activity = pick(r, Slots.ACTIVITIES);
        String day = pick(r, Slots.DAYS);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("Would you like to " + activity + " on " + day + "?", "Do you want to " + activity + " with me on "
                        + day + "?");
        if (r.nextInt(3) == 0) {
            String[] reason = pick(r, Slots.REASONS);
            d.say("Sorry, I can't. " + reason[0] + ".", "I'd love to, but " + reason[0] + ".")
                    .say("Maybe next time, then.", "That's a pity. Another time?")
                    .say("Yes, next time for sure.", "Sure. Thanks for asking.");
            return d.summary("invitation",
                    "#Person2# cannot " + activity + " with #Person1# on " + day + " because #Person2# " + reason[1]
                            + ".",
                    "#Person1# invites #Person2# to " + activity + " on " + day + ", but #Person2# " + reason[1] + ".",
                    "#Person2# turns down #Person1#'s invitation for " + day + ".");
        }
        String time = pick(r, Slots.DAYTIME);
        d.say("Sure, I'd love to. What time?", "Sounds great. When?")
                .say("How about " + time + "?", "Let's say " + time + ".")
                .say("Perfect. See you then.", "OK, see you at " + time + ".");
        return d.summary("invitation",
                "#Person1# invites #Person2# to " + activity + " on " + day + " at " + time + " and #Person2# agrees.",
                "#Person1# and #Person2# will " + activity + " on " + day + " at " + time + ".",
                "#Person2# accepts #Person1#'s invitation to " + activity + " at " + time + " on " + day + ".");
    }

    static Dialogue foodOrder(Random r) {
        int n = between(r, 2, 8);
        String food = pick(r, Slots.FOODS);
        int number = between(r, 1, 99);
        String street = pick(r, Slots.STREETS);
        int minutes = 5 * between(r, 3, 12);
        Dialogue.Builder d = new Dialogue.Builder(r)
                .say("I'd like to order " + n + " " + food + ".", "Can I get " + n + " " + food + " delivered?")
                .say("Anything to drink?", "Would you like drinks with that?");
        boolean drinks = r.nextBoolean();
        String drink = pick(r, Slots.DRINKS);
        int m = between(r, 2, 6);
        d.say(drinks ? m + " " + drink + ", please." : "No, thanks.", drinks ? "Yes, " + m + " " + drink + "." : "No drinks.")
                .say("What is the address?", "Where should we deliver it?")
                .say(number + " " + street + ".", "To " + number + " " + street + ".")
                .say("It will be there in " + minutes + " minutes.", "It takes about " + minutes + " minutes.");
        String what = n + " " + food + (drinks ? " and " + m + " " + drink : "");
        return d.summary("food order",
                "#Person1# orders " + what + " to " + number + " " + street + ".",
                "#Person1# orders " + what + "; they will arrive in " + minutes + " minutes.",
                "#Person2# will deliver " + what + " to " + number + " " + street + " in " + minutes + " minutes.");
    }
}
