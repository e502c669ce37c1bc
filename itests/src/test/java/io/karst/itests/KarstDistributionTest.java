package io.karst.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import javax.inject.Inject;

import org.apache.karaf.config.core.ConfigRepository;
import org.apache.karaf.features.BundleInfo;
import org.apache.karaf.features.Dependency;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The distribution boots with every Karst feature installed, every bundle of those features
 * active and every Karst DS component satisfied, and the default RAM bdev of etc/ is there.
 * Also pins down how Configuration Admin and the files in etc/ relate in this Karaf (FileInstall),
 * which the bdev admin relies on.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KarstDistributionTest extends KarstContainerTestSupport {

    @Inject
    private FeaturesService featuresService;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private ConfigRepository configRepository;

    private static final String PROBE_FACTORY = "io.karst.itest.probe";

    @Test
    public void karstFeatureIsInstalledWithAllItsBundlesActive() throws Exception {
        Feature karst = featuresService.getFeature("karst");
        assertTrue("feature karst is installed", featuresService.isInstalled(karst));

        // every bundle of karst and of the karst-* features it includes
        Map<String, Boolean> locations = new TreeMap<>();
        Deque<Feature> todo = new ArrayDeque<>(List.of(karst));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Feature f = todo.pop();
            if (!seen.add(f.getName())) {
                continue;
            }
            assertTrue("feature " + f.getName() + " is installed", featuresService.isInstalled(f));
            for (BundleInfo b : f.getBundles()) {
                locations.merge(b.getLocation().trim(), b.isDependency(), Boolean::logicalAnd);
            }
            for (Dependency d : f.getDependencies()) {
                if (d.getName().startsWith("karst")) {
                    todo.push(featuresService.getFeature(d.getName(), d.getVersion()));
                }
            }
        }
        assertTrue("karst includes karst-bdev", seen.contains("karst-bdev"));

        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Boolean> e : locations.entrySet()) {
            Bundle bundle = bundleContext.getBundle(e.getKey());
            if (bundle == null) {
                if (!e.getValue()) {
                    problems.add("not installed: " + e.getKey());
                }
                continue;
            }
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (bundle.getState() != expected) {
                problems.add(bundle.getSymbolicName() + " is in state " + bundle.getState() + ", not " + expected);
            }
        }
        assertEquals("bundles of the karst features", List.of(), problems);
    }

    @Test
    public void karstComponentsAreSatisfied() {
        List<String> problems = new ArrayList<>();
        int karstComponents = 0;
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (!d.bundle.symbolicName.startsWith("io.karst.")) {
                continue;
            }
            karstComponents++;
            if (!scr.isComponentEnabled(d)) {
                continue;
            }
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                        || c.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                        || c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    problems.add(d.name + " (" + d.bundle.symbolicName + ") state " + c.state
                            + (c.failure != null ? ": " + c.failure : ""));
                }
            }
        }
        assertTrue("Karst has DS components", karstComponents > 0);
        assertEquals("unsatisfied Karst components", List.of(), problems);
    }

    @Test
    public void defaultRamBdevFromEtcIsListed() throws Exception {
        Path cfg = Path.of(System.getProperty("karaf.etc"), "io.karst.bdev.malloc-Malloc0.cfg");
        assertTrue(cfg + " is shipped", Files.isRegularFile(cfg));
        String list = awaitCommand("bdev:list", out -> out.contains("Malloc0"), Duration.ofSeconds(30));
        assertTrue(list, list.contains("708939a0-91df-4d5a-9ad7-26ab9d323198"));
    }

    @Test
    public void commandFailuresReachTheCaller() throws Exception {
        try {
            executeCommand("bdev:delete NoSuchBdev");
            fail("deleting a missing bdev must fail");
        } catch (Exception expected) {
            assertFalse(expected.getMessage() == null || expected.getMessage().isBlank());
        }
    }

    /**
     * Karaf 4.4 (Felix FileInstall 3.7): a factory configuration made with plain ConfigurationAdmin
     * calls lives only in data/ (Configuration Admin's own store), no file appears in etc/; one
     * created through Karaf's ConfigRepository gets etc/&lt;factoryPid&gt;-&lt;name&gt;.cfg, and from
     * then on FileInstall writes ConfigurationAdmin updates back to that file and removes it when
     * the configuration is deleted.
     */
    @Test
    public void factoryConfigurationsAndFilesInEtc() throws Exception {
        Path etc = Path.of(System.getProperty("karaf.etc"));

        Configuration plain = configAdmin.getFactoryConfiguration(PROBE_FACTORY, "plain", "?");
        plain.update(new Hashtable<>(Map.of("k", "v1")));
        Path plainFile = etc.resolve(PROBE_FACTORY + "-plain.cfg");
        Thread.sleep(2500); // more than FileInstall's poll interval (1 s)
        assertFalse("plain ConfigurationAdmin: no file in etc/", Files.exists(plainFile));
        plain.delete();

        Configuration config = configAdmin.getFactoryConfiguration(PROBE_FACTORY, "stored", "?");
        configRepository.update(config.getPid(), Map.of("k", "v1"));
        Path file = etc.resolve(PROBE_FACTORY + "-stored.cfg");
        assertEquals(PROBE_FACTORY + "~stored", config.getPid());
        awaitFile(file, content -> content.contains("k = v1"));
        Configuration stored = configAdmin.getConfiguration(config.getPid(), "?");
        assertEquals(PROBE_FACTORY, stored.getFactoryPid());

        Dictionary<String, Object> props = stored.getProperties();
        props.put("k", "v2");
        stored.update(props);
        awaitFile(file, content -> content.contains("k = v2"));

        stored.delete();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertFalse("deleting the configuration removes its file", Files.exists(file));
    }

    private static void awaitFile(Path file, java.util.function.Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String content = null;
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                content = Files.readString(file);
                if (condition.test(content)) {
                    return;
                }
            }
            Thread.sleep(100);
        }
        fail(file + " has not the expected content: " + content);
    }
}
