package dev.diffusion4j.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link SymbolTable} read in place from bytes that {@link #write} laid out: the keys sorted in
 * {@link String#compareTo} order, looked up by binary search. Nothing is decoded or copied on load, which is the point:
 * the {@link TokenizerCache} file is read back in a millisecond or two, where parsing vocab.json and merges.txt into
 * hash maps takes ~80 ms of a cold JVM's start. Layout, little-endian: key count {@code n}, character count {@code c},
 * {@code n + 1} key start offsets (in characters), {@code n} values, {@code c} UTF-16 code units.
 */
final class SortedSymbols implements SymbolTable {

    private final ByteBuffer data;
    private final int n;
    private final int startsAt;
    private final int valuesAt;
    private final int charsAt;

    private SortedSymbols(ByteBuffer data, int at, int n, int chars) {
        this.data = data;
        this.n = n;
        this.startsAt = at + 8;
        this.valuesAt = startsAt + 4 * (n + 1);
        this.charsAt = valuesAt + 4 * n;
    }

    /** Bytes {@link #write} takes for {@code map}'s content. */
    static int byteSize(Map<String, Integer> map) {
        long chars = 0;
        for (String k : map.keySet()) {
            chars += k.length();
        }
        return Math.toIntExact(8 + 4L * (2L * map.size() + 1) + 2 * chars);
    }

    /** Lays out {@code map} at {@code out}'s position (little-endian) and moves past it. */
    static void write(Map<String, Integer> map, ByteBuffer out) {
        List<String> keys = new ArrayList<>(map.keySet());
        keys.sort(null);
        out.order(ByteOrder.LITTLE_ENDIAN);
        int chars = 0;
        for (String k : keys) {
            chars += k.length();
        }
        out.putInt(keys.size()).putInt(chars);
        int start = 0;
        for (String k : keys) {
            out.putInt(start);
            start += k.length();
        }
        out.putInt(start);
        for (String k : keys) {
            out.putInt(map.get(k));
        }
        for (String k : keys) {
            for (int i = 0; i < k.length(); i++) {
                out.putChar(k.charAt(i));
            }
        }
    }

    /**
     * The table at {@code data}'s position, which moves past it; {@code data} must stay unchanged.
     *
     * @throws IllegalArgumentException when the counts do not fit the data (a damaged cache)
     */
    static SortedSymbols read(ByteBuffer data) {
        data.order(ByteOrder.LITTLE_ENDIAN);
        int at = data.position();
        if (data.remaining() < 8) {
            throw new IllegalArgumentException("table header past the end");
        }
        int n = data.getInt(at);
        int chars = data.getInt(at + 4);
        if (n < 0 || chars < 0 || 8 + 4L * (2L * n + 1) + 2L * chars > data.remaining()) {
            throw new IllegalArgumentException("table sizes exceed the data");
        }
        SortedSymbols t = new SortedSymbols(data, at, n, chars);
        if (t.start(0) != 0 || t.start(n) != chars) {
            throw new IllegalArgumentException("key offsets out of range");
        }
        data.position(t.charsAt + 2 * chars);
        return t;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public boolean contains(String key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int get(String key, int absent) {
        int i = indexOf(key);
        return i < 0 ? absent : data.getInt(valuesAt + 4 * i);
    }

    private int start(int i) {
        return data.getInt(startsAt + 4 * i);
    }

    private int indexOf(String key) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(mid, key);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** The sign of {@code key(i).compareTo(key)}. */
    private int compare(int i, String key) {
        int from = start(i);
        int len = start(i + 1) - from;
        int m = Math.min(len, key.length());
        for (int k = 0; k < m; k++) {
            int d = data.getChar(charsAt + 2 * (from + k)) - key.charAt(k);
            if (d != 0) {
                return d;
            }
        }
        return len - key.length();
    }
}
