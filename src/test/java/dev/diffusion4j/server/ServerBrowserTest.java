package dev.diffusion4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffusion4j.io.ModelDirectory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web page in headless Chromium (Debian's chromium and chromium-driver): type a prompt, press Generate, watch
 * the progress bar move and the image arrive, read its parameters, reuse them. Screenshots (laptop and phone) go to
 * {@code target/server-ui-*.png}. Skips when chromium or chromium-driver is not installed.
 */
class ServerBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path profile;

    static D4jServer server;
    static WebDriver driver;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "chromium / chromium-driver not installed: browser test skipped");
        server = D4jServer.start(new ServerConfig("127.0.0.1", 0, null, 4, null, List.of(),
                ServerConfig.Limits.defaults()), ModelDirectory.open(Path.of("models", "d4j-shapes"), "d4j-shapes"), null);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.resolve("chromium"), "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.close();
    }

    @Test
    void generateWatchProgressReadParameters() throws Exception {
        driver.get("http://127.0.0.1:" + server.port() + "/");
        await("the sampler list loads", () -> driver.findElements(By.cssSelector("#sampler option")).size() > 5);
        assertEquals("d4j-shapes", driver.findElement(By.id("model")).getAttribute("value"));
        WebElement prompt = driver.findElement(By.id("prompt"));
        prompt.sendKeys("two green triangles");
        js("const s = document.getElementById('steps'); s.value = 60; s.dispatchEvent(new Event('input'));");
        WebElement seed = driver.findElement(By.id("seed"));
        seed.clear();
        seed.sendKeys("1234");
        screenshot("server-ui-empty");
        driver.findElement(By.id("generate")).click();

        // the bar's width while the job runs: more than one value strictly between 0 and 100 % means it moved
        TreeSet<Double> widths = new TreeSet<>();
        boolean previewSeen = false;
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < end && driver.findElements(By.cssSelector("#gallery img")).isEmpty()) {
            double w = ((Number) js("const b = document.getElementById('bar'); "
                    + "return b.getBoundingClientRect().width / b.parentElement.getBoundingClientRect().width || 0;"))
                    .doubleValue(); // 0/0 (NaN, returned as null) while the bar's track is still hidden
            if (w > 0 && w < 0.999) {
                widths.add(w);
                if (widths.size() == 3) screenshot("server-ui-progress");
            }
            previewSeen |= Boolean.TRUE.equals(js("const i = document.getElementById('current'); "
                    + "return !i.hidden && i.classList.contains('preview') && i.naturalWidth > 0;"));
            Thread.sleep(15);
        }
        assertTrue(widths.size() >= 2, "the progress bar moved: " + widths);
        assertTrue(previewSeen, "a live preview was shown");
        await("the image arrives", () -> !driver.findElements(By.cssSelector("#gallery img")).isEmpty());
        await("the image is shown", () -> Boolean.TRUE.equals(js("const i = document.getElementById('current'); "
                + "return !i.hidden && !i.classList.contains('preview') && i.complete && i.naturalWidth === 64;")));
        Thread.sleep(500);
        assertEquals(1, driver.findElements(By.cssSelector("#gallery img")).size(), "one image per generation");
        String params = driver.findElement(By.id("params")).getText();
        assertTrue(params.startsWith("two green triangles"), params);
        assertTrue(params.contains("Steps: 60") && params.contains("Seed: 1234") && params.contains("Size: 64x64"), params);
        screenshot("server-ui-laptop");

        prompt.clear();
        driver.findElement(By.id("reuse")).click();
        assertEquals("two green triangles", prompt.getAttribute("value"), "reuse parameters restores the prompt");

        // Ctrl+Enter generates too
        prompt.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        await("a second image", () -> driver.findElements(By.cssSelector("#gallery img")).size() == 2);

        driver.manage().window().setSize(new Dimension(390, 844));
        Thread.sleep(300);
        double overflow = ((Number) js("return document.documentElement.scrollWidth - window.innerWidth;")).doubleValue();
        assertTrue(overflow <= 0, "no sideways scrolling on a phone: " + overflow + " px");
        screenshot("server-ui-phone");
    }

    static Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    static void await(String what, Supplier<Boolean> condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < end) {
            if (condition.get()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting until " + what);
    }

    static void screenshot(String name) throws Exception {
        File shot = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", name + ".png");
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
