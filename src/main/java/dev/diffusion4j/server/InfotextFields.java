package dev.diffusion4j.server;

import com.google.gson.JsonObject;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A1111's {@code parse_generation_parameters}: the {@code parameters} text of a PNG as a dictionary —
 * {@code Prompt}, {@code Negative prompt}, then each {@code key: value} of the last line, with {@code Size} also
 * split into {@code Size-1} and {@code Size-2}. Values stay strings, as A1111 leaves most of them.
 */
final class InfotextFields {

    /** {@code key: value} pairs; a value is a quoted string or runs to the next comma. */
    private static final Pattern PARAM = Pattern.compile("\\s*([\\w ]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");

    private InfotextFields() {}

    static JsonObject parse(String text) {
        JsonObject out = new JsonObject();
        String[] lines = text.strip().split("\n", -1);
        int last = lines.length - 1;
        String kv = "";
        if (last >= 0 && PARAM.matcher(lines[last]).results().count() >= 3) {
            kv = lines[last];
            last--;
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = new StringBuilder();
        boolean inNegative = false;
        for (int i = 0; i <= last; i++) {
            String line = lines[i];
            if (line.startsWith("Negative prompt:")) {
                inNegative = true;
                line = line.substring("Negative prompt:".length()).strip();
            }
            StringBuilder target = inNegative ? negative : prompt;
            if (target.length() > 0) target.append('\n');
            target.append(line);
        }
        out.addProperty("Prompt", prompt.toString());
        out.addProperty("Negative prompt", negative.toString());
        Matcher m = PARAM.matcher(kv);
        while (m.find()) {
            String key = m.group(1).strip();
            String value = m.group(2).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            out.addProperty(key, value);
            Matcher size = Pattern.compile("^(\\d+)x(\\d+)$").matcher(value);
            if (size.matches()) {
                out.addProperty(key + "-1", size.group(1));
                out.addProperty(key + "-2", size.group(2));
            }
        }
        return out;
    }
}
