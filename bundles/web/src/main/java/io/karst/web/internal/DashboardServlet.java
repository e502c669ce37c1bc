package io.karst.web.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The dashboard page at {@code /karst/}: one self-contained HTML document (its script and style inline, no
 * resource from elsewhere) that polls {@code api/dashboard} once a second.
 */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(KarstWebContext.SELECT)
@HttpWhiteboardServletName("io.karst.web.dashboard")
@HttpWhiteboardServletPattern("/")
public final class DashboardServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    static final String PAGE = "dashboard.html";

    /** Nothing but the page itself and its own origin's API: no other script, style, image or frame. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; "
            + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    private final byte[] page = load();

    static byte[] load() {
        try (InputStream in = DashboardServlet.class.getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PAGE);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (path.isEmpty()) {
            response.sendRedirect(request.getContextPath() + "/");
            return;
        }
        if (!path.equals("/") && !path.equals("/index.html")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setContentLength(page.length);
        response.getOutputStream().write(page);
    }
}
