package dev.diffusion4j.random;

/** Placeholder: glibc's double log/sin/cos. */
final class GlibcMath {
    private GlibcMath() {}

    static double log(double x) {
        return StrictMath.log(x);
    }

    static double sin(double x) {
        return StrictMath.sin(x);
    }

    static double cos(double x) {
        return StrictMath.cos(x);
    }
}
