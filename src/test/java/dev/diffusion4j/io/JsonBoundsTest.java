package dev.diffusion4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The strict number helpers of {@link Json}: no silent truncation, wrapping or empty lists. */
class JsonBoundsTest {

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    private static String fails(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void integersAreExact() {
        JsonObject o = json("{\"a\": 64, \"b\": 64.0, \"c\": 1.5, \"d\": 1e10, \"e\": \"64\", \"f\": [1], \"g\": NaN,"
                + " \"h\": 1e-999999999, \"i\": 1e999999999, \"n\": null}");
        assertEquals(64, Json.getInt(o, "a", 0));
        assertEquals(64, Json.getInt(o, "b", 0));
        assertEquals(7, Json.getInt(o, "n", 7));
        assertEquals(7, Json.getInt(o, "absent", 7));
        assertEquals("c must be an integer in [-2147483648, 2147483647], got 1.5", fails(() -> Json.getInt(o, "c", 0)));
        for (String k : new String[] {"d", "e", "f", "g", "h", "i"}) {
            fails(() -> Json.getInt(o, k, 0));
        }
    }

    @Test
    void rangesNameTheKey() {
        JsonObject o = json("{\"sample_size\": 1e9, \"norm_num_groups\": 0, \"block_out_channels\": [],"
                + " \"attention_head_dim\": [8, 0], \"beta_end\": Infinity, \"eps\": -1}");
        assertEquals("sample_size must be in [1, 4096], got 1000000000",
                fails(() -> Json.getInt(o, "sample_size", 64, 1, 4096)));
        assertEquals("norm_num_groups must be in [1, 1024], got 0",
                fails(() -> Json.getInt(o, "norm_num_groups", 32, 1, 1024)));
        assertEquals("block_out_channels must have 1 to 64 values, got 0",
                fails(() -> Json.getInts(o, "block_out_channels", 4, new int[] {1}, 1, 8192)));
        assertEquals("attention_head_dim must be in [1, 1024], got 0",
                fails(() -> Json.getInts(o, "attention_head_dim", 2, new int[] {8, 8}, 1, 1024)));
        assertEquals("beta_end must be a finite number, got \"Infinity\"", fails(() -> Json.getDouble(o, "beta_end", 0)));
        assertEquals("eps must be in [0.0, 1.0], got -1", fails(() -> Json.getDouble(o, "eps", 0, 0, 1)));
        assertEquals(64, Json.getInt(o, "absent", 64, 1, 4096));
    }

    @Test
    void listsAndSingleValues() {
        JsonObject o = json("{\"a\": 8, \"b\": [1, 2], \"s\": 5, \"t\": [\"x\", {}], \"u\": {\"k\": 1}}");
        assertArrayEquals(new int[] {8, 8, 8}, Json.getInts(o, "a", 3, null));
        assertArrayEquals(new int[] {1, 2}, Json.getInts(o, "b", 3, null, 1, 2));
        assertEquals("s must be a list, got 5", fails(() -> Json.getStrings(o, "s", null)));
        assertEquals("t must be a string, got {}", fails(() -> Json.getStrings(o, "t", null)));
        assertEquals("u must be a string, got {\"k\":1}", fails(() -> Json.getString(o, "u", null)));
        assertEquals("u must be true or false, got {\"k\":1}", fails(() -> Json.getBool(o, "u", false)));
        assertEquals("a: cannot repeat a single value 100 times", fails(() -> Json.getInts(o, "a", 100, null)));
    }

    @Test
    void readConfigNamesTheFile(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("config.json"), "{\"sample_size\": -1}");
        IOException e = assertThrows(IOException.class,
                () -> Json.readConfig(f, o -> Json.getInt(o, "sample_size", 64, 1, 4096)));
        assertEquals(f + ": sample_size must be in [1, 4096], got -1", e.getMessage());
    }
}
