package io.karst.web.internal;

import io.karst.bdev.BdevRegistry;
import io.karst.web.api.DashboardProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContextSelect;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The JSON the dashboard polls: {@code /karst/api/dashboard} (bdevs with their per-second rates, and the sections
 * of the {@link DashboardProvider}s) and {@code /karst/api/bdevs} (the bdevs only).
 */
@Component(service = Servlet.class)
@HttpWhiteboardContextSelect(KarstWebContext.SELECT)
@HttpWhiteboardServletName("io.karst.web.api")
@HttpWhiteboardServletPattern("/api/*")
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private final transient BdevRegistry registry;
    private final String instance;
    /** Rates over intervals of at least 0.9 s; after 5 s without a reader they start over. */
    private final transient BdevRates rates = new BdevRates(TimeUnit.MILLISECONDS.toNanos(900),
            TimeUnit.SECONDS.toNanos(5));

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<DashboardProvider> providers;

    @Activate
    public ApiServlet(BundleContext context, @Reference BdevRegistry registry) {
        this.registry = registry;
        String name = context.getProperty("karaf.name");
        this.instance = name == null ? "" : name;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        Object doc;
        switch (path) {
            case "/dashboard" -> {
                var bdevs = registry.bdevs();
                doc = DashboardModel.dashboard(instance, System.currentTimeMillis(), bdevs, rates.read(bdevs),
                        providers == null ? List.of() : providers);
            }
            case "/bdevs" -> {
                var bdevs = registry.bdevs();
                doc = DashboardModel.bdevs(bdevs, rates.read(bdevs));
            }
            default -> {
                response.sendError(HttpServletResponse.SC_NOT_FOUND, "no such API: " + path
                        + " (there are /api/dashboard and /api/bdevs)");
                return;
            }
        }
        byte[] body = Json.write(doc).getBytes(StandardCharsets.UTF_8);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
