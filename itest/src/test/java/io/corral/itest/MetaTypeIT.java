package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/** The distribution's MetaType service describes Corral's configurations, so a console or tool can edit them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MetaTypeIT {

    @Inject
    private BundleContext context;
    @Inject
    private MetaTypeService metatype;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-metatype-it").toFile()));
    }

    private Bundle bundle(String name) {
        return Arrays.stream(context.getBundles()).filter(b -> b.getSymbolicName().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no bundle " + name));
    }

    @Test
    public void corralsConfigurationsAreDescribed() {
        for (List<String> expected : List.of(List.of("io.corral.control", "io.corral.control"),
                List.of("io.corral.app", "io.corral.app.manager"), List.of("io.corral.shell", "io.corral.shell.control"))) {
            MetaTypeInformation info = metatype.getMetaTypeInformation(bundle(expected.get(0)));
            assertNotNull(expected.get(0), info);
            assertTrue(expected + ": " + Arrays.toString(info.getPids()),
                Arrays.asList(info.getPids()).contains(expected.get(1)));
        }
        ObjectClassDefinition control = metatype.getMetaTypeInformation(bundle("io.corral.control"))
            .getObjectClassDefinition("io.corral.control", null);
        assertEquals("Corral control API", control.getName());
        Set<String> attributes = Arrays.stream(control.getAttributeDefinitions(ObjectClassDefinition.ALL))
            .map(AttributeDefinition::getID).collect(Collectors.toSet());
        assertEquals(Set.of("tcp", "console"), attributes);
    }
}
