package io.karst.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page is self-contained: nothing is loaded from elsewhere, and it is small. */
class DashboardPageTest {
    private final String page = new String(DashboardServlet.load(), StandardCharsets.UTF_8);

    @Test
    void loadsNothingFromElsewhere() {
        assertThat(page).doesNotContainPattern("(?i)<script[^>]*\\bsrc=");
        assertThat(page).doesNotContainPattern("(?i)<link[^>]*stylesheet");
        assertThat(page).doesNotContainPattern("(?i)@import");
        Matcher urls = Pattern.compile("(?i)(?:src|href)\\s*=\\s*\"([^\"]*)\"").matcher(page);
        while (urls.find()) {
            String url = urls.group(1);
            assertThat(url).as("link in the page").doesNotStartWith("http").doesNotStartWith("//");
        }
        // the only absolute URL is the SVG namespace
        Matcher absolute = Pattern.compile("https?://[^\"' )]+").matcher(page);
        while (absolute.find()) {
            assertThat(absolute.group()).isEqualTo("http://www.w3.org/2000/svg");
        }
    }

    @Test
    void isSmallAndPollsTheApi() {
        assertThat(page.length()).isLessThan(32 * 1024);
        assertThat(page).contains("\"api/dashboard\"", "fetch(API");
        assertThat(page).contains("data-section=\"frontends\"", "data-section=\"replication\"", "none configured");
    }

    @Test
    void contentSecurityPolicyAllowsOnlyThePageAndItsOrigin() {
        assertThat(DashboardServlet.CONTENT_SECURITY_POLICY).contains("default-src 'none'", "connect-src 'self'")
                .doesNotContain("http");
    }
}
