package dev.diffusion4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ExtraNetworks}: A1111's {@code <type:args>} tags, as {@code extra_networks.parse_prompt} finds them. */
class PromptExtraNetworksTest {

    @Test
    void loraTagIsRemovedAndRead() {
        ExtraNetworks.Parsed p = ExtraNetworks.parse("a <lora:detail:0.5> cat");
        assertEquals("a  cat", p.prompt());
        ExtraNetworkTag t = p.tags().get(0);
        assertEquals("<lora:detail:0.5>", t.tag());
        assertEquals("lora", t.type());
        assertEquals("detail", t.name());
        assertEquals(0.5, t.multiplier());
        assertEquals(0.5, t.unetMultiplier());
    }

    @Test
    void onlyATag() {
        ExtraNetworks.Parsed p = ExtraNetworks.parse("<lora:x:0.5>");
        assertEquals("", p.prompt());
        assertEquals(List.of(new WeightedText("", 1.0)), PromptParser.parse(p.prompt()));
    }

    @Test
    void weightDefaultsToOne() {
        ExtraNetworkTag t = ExtraNetworks.parse("<hypernet:h>").tags().get(0);
        assertEquals("hypernet", t.type());
        assertEquals("h", t.name());
        assertEquals(1.0, t.multiplier());
        assertEquals(1.0, t.unetMultiplier());
    }

    @Test
    void separateTextEncoderAndUnetMultipliers() {
        ExtraNetworkTag t = ExtraNetworks.parse("<lora:x:0.5:0.7>").tags().get(0);
        assertEquals(0.5, t.multiplier());
        assertEquals(0.7, t.unetMultiplier());
        ExtraNetworkTag named = ExtraNetworks.parse("<lora:x:te=0.3:unet=0.2:dyn=4>").tags().get(0);
        assertEquals(0.3, named.multiplier());
        assertEquals(0.2, named.unetMultiplier());
        assertEquals(List.of("x"), named.positional());
        assertEquals(Map.of("te", "0.3", "unet", "0.2", "dyn", "4"), named.named());
    }

    @Test
    void weightsAreReadAsPythonFloats() {
        assertEquals(0.1, ExtraNetworks.parse("<lora:x:1e-1>").tags().get(0).multiplier());
        assertEquals(0.5, ExtraNetworks.parse("<lora:x: 0.5 >").tags().get(0).multiplier());
        assertEquals(-1.0, ExtraNetworks.parse("<lora:x:-1>").tags().get(0).multiplier());
    }

    @Test
    void severalTagsInOrder() {
        ExtraNetworks.Parsed p = ExtraNetworks.parse("<lora:a:1>x<lora:b:0.25>, <lyco:c>");
        assertEquals("x, ", p.prompt());
        assertEquals(List.of("a", "b", "c"), p.tags().stream().map(ExtraNetworkTag::name).toList());
        assertEquals(0.25, p.tags().get(1).multiplier());
    }

    @Test
    void notTags() {
        for (String s : List.of("<lora x>", "<lo-ra:x>", "<lora:>", "< lora:x>", "<:x>")) {
            ExtraNetworks.Parsed p = ExtraNetworks.parse(s);
            assertEquals(s, p.prompt(), s);
            assertEquals(List.of(), p.tags(), s);
        }
    }

    @Test
    void malformedWeightNamesTheTag() {
        for (String tag : List.of("<lora:x:abc>", "<lora:x:0.5:big>", "<lora:x:te=no>", "<lora:x:inf>", "<lora:x:>")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ExtraNetworks.parse("a " + tag + " b"), tag);
            assertTrue(e.getMessage().contains(tag), e.getMessage());
        }
    }
}
