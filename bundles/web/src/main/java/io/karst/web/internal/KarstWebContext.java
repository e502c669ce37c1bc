package io.karst.web.internal;

import java.io.IOException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;

/**
 * The servlet context of the dashboard ({@code /karst}) in the HTTP whiteboard: every request to it passes the
 * {@link AccessPolicy} of {@link WebAccess} first (local clients only, HTTP Basic login against the Karaf JAAS
 * realm).
 */
@Component(service = ServletContextHelper.class)
@HttpWhiteboardContext(name = KarstWebContext.NAME, path = KarstWebContext.PATH)
public final class KarstWebContext extends ServletContextHelper {
    static final String NAME = "io.karst.web";
    static final String PATH = "/karst";
    /** The filter servlets use to join this context. */
    static final String SELECT = "(osgi.http.whiteboard.context.name=" + NAME + ")";

    private final WebAccess access;

    @Activate
    public KarstWebContext(BundleContext context, @Reference WebAccess access) {
        super(context.getBundle());
        this.access = access;
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String uri = request.getRequestURI();
        String contextPath = request.getContextPath();
        String path = uri.startsWith(contextPath) ? uri.substring(contextPath.length()) : uri;
        AccessPolicy.Decision d = access.policy().decide(request.getRemoteAddr(), path,
                request.getHeader("Authorization"));
        if (d.allowed()) {
            if (d.user() != null) {
                request.setAttribute(REMOTE_USER, d.user());
                request.setAttribute(AUTHENTICATION_TYPE, HttpServletRequest.BASIC_AUTH);
            }
            return true;
        }
        response.setHeader("Cache-Control", "no-store");
        if (d.status() == AccessPolicy.Decision.UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"Karst\", charset=\"UTF-8\"");
        }
        response.setContentType("text/plain;charset=utf-8");
        response.setStatus(d.status());
        response.getWriter().println(d.reason());
        // committed: otherwise the whiteboard answers a refusal with its own 403
        response.flushBuffer();
        return false;
    }
}
