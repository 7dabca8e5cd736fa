package dev.diffusion4j.cli;

/** A flag value of two integers written {@code A,B} (sizes as {@code W,H}, points as {@code X,Y}). */
record IntPair(int first, int second) {

    /** Parses {@code text}; a malformed value is a usage error naming the flag and the expected form. */
    static IntPair parse(String flag, String form, String text) {
        String[] parts = text.split(",", -1);
        if (parts.length == 2) {
            try {
                int a = Integer.parseInt(parts[0].trim());
                int b = Integer.parseInt(parts[1].trim());
                if (a >= 0 && b >= 0) {
                    return new IntPair(a, b);
                }
            } catch (NumberFormatException e) {
                // reported below with the expected form
            }
        }
        throw new UsageException(flag + " must be " + form + " (two non-negative integers), got '" + text + "'");
    }
}
