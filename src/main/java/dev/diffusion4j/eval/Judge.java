package dev.diffusion4j.eval;

import java.util.List;
import java.util.Locale;

/**
 * GenEval-style rules over detected objects. An object phrase is answered by objects of its colour and kind (and
 * size, when named): "a X" needs at least one, a numeral exactly that many. A position needs an answering object
 * whose centre is in the region; a relation or "and" needs two distinct answering objects, and for a relation their
 * centres must be ordered on its axis by more than the tolerance's separation.
 *
 * @param regionMargin how far inside a region a centre must be (negative: how far outside it may be)
 * @param relationSeparation how far apart on the relation's axis two centres must be
 */
record Judge(double regionMargin, double relationSeparation) {

    /** For images: regions as defined, relations beyond a tenth of the image. */
    static final Judge IMAGE = new Judge(0, 0.1);

    Verdict judge(Detection detection, PromptSpec spec) {
        List<DetectedObject> found = detection.objects();
        for (ObjectSpec object : spec.objects()) {
            long n = found.stream().filter(o -> o.matches(object)).count();
            boolean ok = object.exact() ? n == object.count() : n >= 1;
            if (!ok) {
                String asked = object.exact() ? "exactly " + object.count() : "at least one";
                return fail(detection, "asked for " + asked + " " + object.words() + ", found " + n);
            }
        }
        return switch (spec.category()) {
            case SINGLE, COUNTING -> pass(detection, "found " + spec.toCaption());
            case POSITION -> position(detection, spec);
            case TWO_OBJECTS, RELATION -> pair(detection, spec);
        };
    }

    private Verdict position(Detection detection, PromptSpec spec) {
        ObjectSpec object = spec.objects().get(0);
        for (DetectedObject o : detection.objects()) {
            if (o.matches(object) && spec.region().contains(o.x(), o.y(), regionMargin)) {
                return pass(detection, "found " + o.describe() + ", " + spec.region().phrase());
            }
        }
        return fail(detection, "no " + object.words() + " " + spec.region().phrase());
    }

    private Verdict pair(Detection detection, PromptSpec spec) {
        ObjectSpec first = spec.objects().get(0);
        ObjectSpec second = spec.objects().get(1);
        for (DetectedObject a : detection.objects()) {
            for (DetectedObject b : detection.objects()) {
                if (a != b && a.matches(first) && b.matches(second) && (spec.relation() == null
                        || spec.relation().holds(a.x(), a.y(), b.x(), b.y(), relationSeparation))) {
                    return pass(detection, "found " + a.describe() + (spec.relation() == null ? " and "
                            : " " + spec.relation().phrase() + " ") + b.describe());
                }
            }
        }
        String missing = spec.relation() == null ? "two distinct objects for " + first.words() + " and "
                + second.words()
                : first.words() + " " + spec.relation().phrase() + " " + second.words()
                        + String.format(Locale.ROOT, " by more than %.2f", relationSeparation);
        return fail(detection, "no " + missing);
    }

    private static Verdict pass(Detection detection, String why) {
        return new Verdict(true, why, detection);
    }

    private static Verdict fail(Detection detection, String why) {
        return new Verdict(false, why + "; detected: " + detection.summary(), detection);
    }
}
