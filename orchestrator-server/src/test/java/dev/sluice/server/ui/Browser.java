package dev.sluice.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Headless Debian chromium driven by Playwright. Never skips: without /usr/bin/chromium the tests fail with
 * instructions, so CI cannot pass by not running them.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("SLUICE_CHROMIUM", "/usr/bin/chromium"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final Playwright playwright;
    private final com.microsoft.playwright.Browser browser;
    /** Uncaught page errors and console errors: a test ends by asserting there were none it did not expect. */
    final List<String> pageErrors = new CopyOnWriteArrayList<>();
    /** The page opened last, for a screenshot when a test ends. */
    Page lastPage;

    Browser() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException("The dashboard's browser tests need Chromium at " + CHROMIUM
                    + ". Install Debian's package (apt-get install -y chromium); .ci/run does it because .ci/needs-chromium exists."
                    + " Set SLUICE_CHROMIUM to use another binary.");
        }
        playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(CHROMIUM)
                        .setHeadless(true)
                        .setArgs(List.of(
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--no-first-run")));
    }

    /** A new context (own cookies) and page, 1440×900, in a fixed time zone so screenshots are stable. */
    Page newPage() {
        BrowserContext ctx = browser.newContext(new com.microsoft.playwright.Browser.NewContextOptions()
                .setViewportSize(1440, 900)
                .setTimezoneId("Europe/Paris")
                .setLocale("en-GB"));
        ctx.setDefaultTimeout(15_000);
        Page page = ctx.newPage();
        lastPage = page;
        page.onPageError(e -> pageErrors.add("pageerror: " + e));
        page.onConsoleMessage(m -> {
            // Chromium logs every 4xx/5xx response as a console error; those are tested through the UI instead.
            if ("error".equals(m.type()) && !m.text().startsWith("Failed to load resource"))
                pageErrors.add("console: " + m.text());
        });
        return page;
    }

    static Page signIn(Page page, String base, String user) {
        page.navigate(base + "/ui/");
        page.locator("#username").fill(user);
        page.locator("#password").fill("pw-" + user);
        page.locator("button[type=submit]").click();
        page.locator("#who-name")
                .filter(new com.microsoft.playwright.Locator.FilterOptions().setHasText(user))
                .waitFor();
        return page;
    }

    static void screenshot(Page page, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        page.screenshot(new Page.ScreenshotOptions()
                .setPath(SCREENSHOTS.resolve(name + ".png"))
                .setFullPage(true));
        assertThat(SCREENSHOTS.resolve(name + ".png")).exists();
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
