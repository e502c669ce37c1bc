package io.karst.web.internal;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.security.auth.Subject;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;

/** Checks a password against a JAAS realm of Karaf (the {@code karaf} realm of SSH and JMX by default). */
final class JaasLogin implements AccessPolicy.Login {
    private final String realm;

    JaasLogin(String realm) {
        this.realm = realm;
    }

    @Override
    public Optional<Set<String>> roles(String user, char[] password) {
        Subject subject = new Subject();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // LoginContext loads Karaf's proxy login module through the context class loader: ours imports it
        thread.setContextClassLoader(JaasLogin.class.getClassLoader());
        try {
            LoginContext context = new LoginContext(realm, subject, callbacks -> {
                for (var callback : callbacks) {
                    if (callback instanceof NameCallback name) {
                        name.setName(user);
                    } else if (callback instanceof PasswordCallback pw) {
                        pw.setPassword(password);
                    } else {
                        throw new UnsupportedCallbackException(callback);
                    }
                }
            });
            context.login();
            try {
                return Optional.of(subject.getPrincipals(RolePrincipal.class).stream().map(RolePrincipal::getName)
                        .collect(Collectors.toUnmodifiableSet()));
            } finally {
                context.logout();
            }
        } catch (LoginException e) {
            return Optional.empty();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
