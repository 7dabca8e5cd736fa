package dev.diffusion4j.models;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.io.Json;
import dev.diffusion4j.schedulers.SchedulerConfig;
import dev.diffusion4j.text.ClipTextConfig;
import dev.diffusion4j.text.ClipTokenizer;
import dev.diffusion4j.unet.UNet2DConditionConfig;
import dev.diffusion4j.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Config numbers out of range fail when the config is read, naming the file, the key and the allowed range — the
 * reproductions of the reliability issue (division by zero, gigantic tables, an all-black image), not deep in loading.
 */
class ConfigBoundsTest {

    @TempDir
    Path dir;

    private Path write(String name, String json) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, json);
        return f;
    }

    private static void assertNames(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-1   | num_train_timesteps must be an integer in [1, 100000]",
        "0    | num_train_timesteps must be an integer in [1, 100000]",
        "1e9  | num_train_timesteps must be an integer in [1, 100000]",
        "12.5 | num_train_timesteps must be an integer in [1, 100000]",
    })
    void schedulerTimesteps(String value, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse(
                "{\"_class_name\": \"DDIMScheduler\", \"num_train_timesteps\": " + value + "}", "s.json"));
        assertNames(e, "s.json", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"beta_start\": 0.02, \"beta_end\": 0.001 | beta_start <= beta_end",
        "\"beta_start\": 0, \"beta_end\": 0.01     | in (0, 1)",
        "\"beta_end\": 1.5                         | in (0, 1)",
        "\"steps_offset\": 1000                    | steps_offset must be an integer in [0, num_train_timesteps)",
        "\"trained_betas\": [0.1, 0.2]             | trained_betas must be a list of num_train_timesteps (1000)",
    })
    void schedulerBetas(String keys, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchedulerConfig.parse(
                "{\"_class_name\": \"DDIMScheduler\", " + keys + "}", "s.json"));
        assertNames(e, message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"_class_name\": [\"DDIMScheduler\"]} | _class_name must be a scheduler class name string",
        "{\"_class_name\": \"NopeScheduler\"}     | unsupported scheduler class 'NopeScheduler'",
    })
    void schedulerClassName(String json, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SchedulerConfig.parse(json, "s.json"));
        assertNames(e, message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"scaling_factor\": 0           | scaling_factor must be in (0, 100]",
        "\"norm_num_groups\": 0          | norm_num_groups",
        "\"block_out_channels\": []      | block_out_channels",
        "\"latent_channels\": 100000     | latent_channels",
        "\"sample_size\": 1e9            | sample_size",
    })
    void vae(String keys, String message) throws Exception {
        Path f = write("config.json", "{" + keys + "}");
        IOException e = assertThrows(IOException.class, () -> AutoencoderKLConfig.read(f));
        assertNames(e, "config.json", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"num_attention_heads\": 0    | num_attention_heads",
        "\"hidden_size\": 0            | hidden_size",
        "\"num_hidden_layers\": 100000 | num_hidden_layers",
        "\"layer_norm_eps\": 0         | layer_norm_eps",
    })
    void textEncoder(String keys, String message) throws Exception {
        Path f = write("config.json", "{" + keys + "}");
        IOException e = assertThrows(IOException.class, () -> Json.readConfig(f, ClipTextConfig::from));
        assertNames(e, "config.json", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"attention_head_dim\": 0                          | attention_head_dim must be in [1, 1024]",
        "\"attention_head_dim\": 7                          | attention heads [7, 7, 7, 7] must be ≥ 1 and divide",
        "\"norm_num_groups\": 0                             | norm_num_groups must be in [1, 1024]",
        "\"sample_size\": 1e9                               | sample_size",
        "\"block_out_channels\": []                         | block_out_channels",
        "\"cross_attention_dim\": -1                        | cross_attention_dim",
        "\"layers_per_block\": 0                            | layers_per_block",
    })
    void unet(String keys, String message) throws Exception {
        Path f = write("config.json", "{" + keys + "}");
        IOException e = assertThrows(IOException.class, () -> UNet2DConditionConfig.read(f));
        assertNames(e, "config.json", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"9e8", "1e999999999", "1"})
    void tokenizerMaxLength(String value) throws Exception {
        Path tok = Files.createDirectories(dir.resolve("tokenizer"));
        Files.writeString(tok.resolve("vocab.json"), "{\"a</w>\": 0, \"<|startoftext|>\": 1, \"<|endoftext|>\": 2}");
        Files.writeString(tok.resolve("merges.txt"), "#version: 0.2\na b\n");
        Files.writeString(tok.resolve("tokenizer_config.json"), "{\"model_max_length\": " + value + "}");
        IOException e = assertThrows(IOException.class, () -> ClipTokenizer.load(tok));
        assertNames(e, "model_max_length must be an integer from 2 to 8192");
    }
}
