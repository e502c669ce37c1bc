package io.karst.web.internal;

import io.karst.bdev.BdevRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/** The bdev statistics for Prometheus at {@code /karst/metrics} (text exposition format 0.0.4). */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(KarstWebContext.SELECT)
@HttpWhiteboardServletName("io.karst.web.metrics")
@HttpWhiteboardServletPattern(AccessPolicy.METRICS_PATH)
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient BdevRegistry registry;

    @Activate
    public MetricsServlet(@Reference BdevRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = PrometheusText.write(registry.bdevs()).getBytes(StandardCharsets.UTF_8);
        response.setContentType(PrometheusText.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
