package dev.sluice.notify;

import dev.sluice.dag.Notifications.Channel;
import dev.sluice.dag.Notifications.Kind;
import dev.sluice.store.Json;
import dev.sluice.template.Secrets;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Sends one event to one channel: the JSON webhook, a Slack incoming webhook, or e-mail over SMTP. Throws
 * {@link DeliveryException} with a message safe to log: it never holds a URL that came from a secret, nor a
 * password.
 */
final class ChannelDelivery {
    private final NotificationSettings settings;
    private final NotificationMessages messages;
    private final UnaryOperator<String> secrets;
    private final HttpClient http;

    ChannelDelivery(NotificationSettings settings, UnaryOperator<String> secrets) {
        this.settings = settings;
        this.messages = new NotificationMessages(settings.baseUrl());
        this.secrets = secrets == null ? Secrets::lookup : secrets;
        // HTTP/1.1: no h2c upgrade dance with simple webhook receivers.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .build();
    }

    static final class DeliveryException extends Exception {
        DeliveryException(String message) {
            super(message);
        }
    }

    /** False when the channel has nowhere to send (no URL or recipients here or server-wide): nothing to retry. */
    boolean configured(Channel c) {
        return switch (c.kind()) {
            case WEBHOOK -> c.url() != null || c.urlSecret() != null || settings.webhookUrl() != null;
            case SLACK -> c.url() != null || c.urlSecret() != null || settings.slackUrl() != null;
            case EMAIL ->
                settings.smtp() != null
                        && (!c.to().isEmpty() || !settings.emailTo().isEmpty());
        };
    }

    void send(NotificationEvent e, Channel c) throws DeliveryException {
        switch (c.kind()) {
            case WEBHOOK -> post(url(c, settings.webhookUrl()), Json.write(messages.webhookPayload(e)), c);
            case SLACK -> post(url(c, settings.slackUrl()), Json.write(messages.slackPayload(e)), c);
            case EMAIL -> mail(e, c.to().isEmpty() ? settings.emailTo() : c.to());
        }
    }

    private String url(Channel c, String serverWide) throws DeliveryException {
        if (c.url() != null) return c.url();
        if (c.urlSecret() != null) {
            String v = secrets.apply(c.urlSecret());
            if (v == null || v.isBlank())
                throw new DeliveryException("the secret " + c.urlSecret() + " (SLUICE_SECRET_" + c.urlSecret()
                        + ") holding the URL is not set on this scheduler");
            return v.trim();
        }
        return serverWide;
    }

    private void post(String url, String json, Channel c) throws DeliveryException {
        // The host alone names a destination in errors: a Slack URL's path is its credential.
        String where = c.kind() == Kind.WEBHOOK && c.urlSecret() == null ? url : hostOf(url);
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(url))
                    .timeout(settings.timeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "sluice-notify")
                    .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new DeliveryException("bad URL for " + c.kind().yamlName() + " channel");
        }
        try {
            HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() / 100 != 2)
                throw new DeliveryException(where + " answered HTTP " + resp.statusCode());
        } catch (java.io.IOException e) {
            throw new DeliveryException(where + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage().replace(url, where)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException(where + ": interrupted");
        }
    }

    private static String hostOf(String url) {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + "/…";
        } catch (IllegalArgumentException e) {
            return "(unreadable URL)";
        }
    }

    private void mail(NotificationEvent e, List<String> to) throws DeliveryException {
        SmtpSettings smtp = settings.smtp();
        if (smtp == null) throw new DeliveryException("no SMTP server configured (SLUICE_SMTP_HOST)");
        Properties p = new Properties();
        p.put("mail.smtp.host", smtp.host());
        p.put("mail.smtp.port", Integer.toString(smtp.port()));
        long timeout = settings.timeout().toMillis();
        p.put("mail.smtp.connectiontimeout", Long.toString(timeout));
        p.put("mail.smtp.timeout", Long.toString(timeout));
        p.put("mail.smtp.writetimeout", Long.toString(timeout));
        if (smtp.startTls()) {
            // Required, not opportunistic: credentials and contents never cross in clear text.
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", "true");
        }
        String password;
        try {
            password = smtp.password();
        } catch (IllegalStateException ex) {
            throw new DeliveryException(ex.getMessage());
        }
        boolean auth = smtp.username() != null && password != null;
        p.put("mail.smtp.auth", Boolean.toString(auth));
        Session session = Session.getInstance(p);
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(new InternetAddress(smtp.from()));
            for (String a : to) m.addRecipient(Message.RecipientType.TO, new InternetAddress(a));
            m.setSubject(messages.emailSubject(e), "UTF-8");
            m.setText(messages.emailBody(e), "UTF-8");
            m.setSentDate(new Date());
            if (auth) Transport.send(m, smtp.username(), password);
            else Transport.send(m);
        } catch (MessagingException ex) {
            throw new DeliveryException("SMTP " + smtp.host() + ":" + smtp.port() + ": " + ex.getMessage());
        }
    }
}
