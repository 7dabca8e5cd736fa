package dev.diffusion4j.random;

/**
 * The 32-bit Mersenne Twister as ATen's {@code at::mt19937} runs it (Matsumoto &amp; Nishimura 1998, initialisation of
 * 2002, Cokus' regeneration loop): the state is regenerated lazily when the 624 words are used up, so the first draw
 * after seeding triggers a regeneration.
 */
final class Mt19937 {

    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908b0df;

    private final int[] state = new int[N];
    private int left;
    private int next;

    /** {@code init_genrand}: only the low 32 bits of torch's 64-bit seed reach the engine. */
    Mt19937(long seed) {
        state[0] = (int) seed;
        for (int j = 1; j < N; j++) {
            int prev = state[j - 1];
            state[j] = 1812433253 * (prev ^ (prev >>> 30)) + j;
        }
        left = 1;
        next = 0;
    }

    /** One tempered 32-bit output, as an unsigned value in an int. */
    int nextInt() {
        if (--left == 0) {
            regenerate();
        }
        int y = state[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y;
    }

    /** CPUGeneratorImpl::random64: the first 32-bit draw is the high word. */
    long nextLong() {
        long hi = nextInt() & 0xffffffffL;
        long lo = nextInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    private void regenerate() {
        left = N;
        next = 0;
        for (int k = 0; k < N; k++) {
            int following = state[(k + 1) % N];
            int mixed = (state[k] & 0x80000000) | (following & 0x7fffffff);
            state[k] = state[(k + M) % N] ^ (mixed >>> 1) ^ ((following & 1) != 0 ? MATRIX_A : 0);
        }
    }
}
