package io.corral.shell.command;

import com.google.gson.Gson;
import io.corral.api.credential.Credential;
import io.corral.api.credential.CredentialException;
import io.corral.api.credential.CredentialService;
import io.corral.api.credential.GroupId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code corral:id [USER [GROUP]]}: a user and group as the credential service
 * resolves them, in id(1)'s format or as one JSON object.
 */
@Component(service = IdCommand.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=id"
})
public final class IdCommand {

    /**
     * Optional, so that the command exists (and says what is missing) while no
     * credential bundle is active; greedy, so that it follows the best provider.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile CredentialService credentials;

    @Descriptor("show the identity Corral itself runs with, as id(1) does")
    public void id(
            @Descriptor("print one JSON object for scripts") @Parameter(names = "--json", presentValue = "true",
                absentValue = "false") boolean json) {
        print(service().current(), json);
    }

    @Descriptor("show a user's uid, primary group and groups, as id(1) does")
    public void id(
            @Descriptor("print one JSON object for scripts") @Parameter(names = "--json", presentValue = "true",
                absentValue = "false") boolean json,
            @Descriptor("user name or numeric uid") String user) throws CredentialException {
        print(service().resolve(user, null), json);
    }

    @Descriptor("show a user with another base group: GROUP first, then the groups that list the user as a member")
    public void id(
            @Descriptor("print one JSON object for scripts") @Parameter(names = "--json", presentValue = "true",
                absentValue = "false") boolean json,
            @Descriptor("user name or numeric uid") String user,
            @Descriptor("group name or numeric gid, instead of the user's primary group") String group)
            throws CredentialException {
        print(service().resolve(user, group), json);
    }

    private CredentialService service() {
        return Services.require(credentials, "no CredentialService is registered: is the io.corral.credential bundle active?");
    }

    private static void print(Credential c, boolean json) {
        System.out.println(json ? toJson(c) : c.toIdString());
    }

    /** {@code {"uid":0,"user":"root","gid":0,"group":"root","groups":[{"gid":0,"name":"root"}],"home":"/root"}}. */
    static String toJson(Credential c) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("uid", Integer.toUnsignedLong(c.uid()));
        o.put("user", c.user());
        o.put("gid", Integer.toUnsignedLong(c.gid()));
        o.put("group", c.group());
        List<Map<String, Object>> groups = c.groups().stream().map(IdCommand::group).toList();
        o.put("groups", groups);
        o.put("home", c.home());
        return new Gson().toJson(o);
    }

    private static Map<String, Object> group(GroupId g) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("gid", Integer.toUnsignedLong(g.gid()));
        o.put("name", g.name());
        return o;
    }
}
