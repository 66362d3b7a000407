package io.corral.shell.internal;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import org.junit.Test;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.ReferenceDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

public class ComponentsSettledTest {

    private static final String FACTORY = "io.corral.api.process.ProcessFactory";
    private static final BiPredicate<String, String> FACTORY_REGISTERED = (type, target) -> type.equals(FACTORY);
    private static final BiPredicate<String, String> NOTHING_REGISTERED = (type, target) -> false;

    private static ComponentDescriptionDTO component(String policy) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = "bench";
        d.defaultEnabled = true;
        d.configurationPolicy = policy;
        ReferenceDTO factory = new ReferenceDTO();
        factory.name = "factory";
        factory.interfaceName = FACTORY;
        d.references = new ReferenceDTO[] {factory};
        return d;
    }

    private static ComponentConfigurationDTO waitingForTheFactory() {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = ComponentConfigurationDTO.UNSATISFIED_REFERENCE;
        UnsatisfiedReferenceDTO missing = new UnsatisfiedReferenceDTO();
        missing.name = "factory";
        c.unsatisfiedReferences = new UnsatisfiedReferenceDTO[] {missing};
        return c;
    }

    private static ComponentConfigurationDTO in(int state) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = state;
        c.unsatisfiedReferences = new UnsatisfiedReferenceDTO[0];
        return c;
    }

    /** A runtime that knows one component, with the given configurations, and whether it is enabled. */
    private static ServiceComponentRuntime runtime(ComponentDescriptionDTO d, boolean enabled,
            List<ComponentConfigurationDTO> configurations) {
        Map<String, Object> answers = Map.of("getComponentDescriptionDTOs", Set.of(d),
            "getComponentConfigurationDTOs", configurations, "isComponentEnabled", enabled);
        return (ServiceComponentRuntime) Proxy.newProxyInstance(ServiceComponentRuntime.class.getClassLoader(),
            new Class<?>[] {ServiceComponentRuntime.class}, (proxy, method, args) -> answers.get(method.getName()));
    }

    @Test
    public void anEnabledComponentWithNoConfigurationYetIsOnItsWay() {
        assertTrue(ComponentsSettled.anyOnItsWay(runtime(component("optional"), true, List.of()), NOTHING_REGISTERED));
    }

    @Test
    public void aComponentThatRequiresConfigurationAndHasNoneIsNot() {
        assertFalse(ComponentsSettled.anyOnItsWay(runtime(component("require"), true, List.of()), NOTHING_REGISTERED));
    }

    @Test
    public void aComponentWaitingForARegisteredServiceIsOnItsWay() {
        assertTrue(ComponentsSettled.anyOnItsWay(runtime(component("optional"), true,
            List.of(waitingForTheFactory())), FACTORY_REGISTERED));
    }

    @Test
    public void aComponentWaitingForAServiceNobodyRegisteredIsNot() {
        assertFalse(ComponentsSettled.anyOnItsWay(runtime(component("optional"), true,
            List.of(waitingForTheFactory())), NOTHING_REGISTERED));
    }

    @Test
    public void activeSatisfiedAndFailedComponentsAreNot() {
        for (int state : new int[] {ComponentConfigurationDTO.ACTIVE, ComponentConfigurationDTO.SATISFIED,
                ComponentConfigurationDTO.FAILED_ACTIVATION, ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION}) {
            assertFalse("state " + state, ComponentsSettled.anyOnItsWay(runtime(component("optional"), true,
                List.of(in(state))), FACTORY_REGISTERED));
        }
    }

    @Test
    public void aDisabledComponentIsNot() {
        ComponentDescriptionDTO d = component("optional");
        d.defaultEnabled = false;
        assertFalse(ComponentsSettled.anyOnItsWay(runtime(d, false, List.of()), FACTORY_REGISTERED));
    }
}
