package dev.sluice.notify;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.store.Json;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real receivers started by a test: an HTTP server ({@code /hook} for the JSON webhook, {@code /slack} for
 * Slack-format messages, {@code /broken} answering 500) and an SMTP server (GreenMail) that requires a login.
 */
public final class NotificationReceivers implements AutoCloseable {
    public static final String SMTP_USER = "sluice";
    public static final String SMTP_PASSWORD = "smtp-s3cret-pw";

    public final List<Map<String, Object>> hooks = new CopyOnWriteArrayList<>();
    public final List<Map<String, Object>> slack = new CopyOnWriteArrayList<>();
    public final List<String> slackContentTypes = new CopyOnWriteArrayList<>();
    public final AtomicInteger brokenCalls = new AtomicInteger();
    private final HttpServer http;
    public final GreenMail mail;

    public NotificationReceivers() throws Exception {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/hook", ex -> {
            hooks.add(Json.map(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        http.createContext("/slack", ex -> {
            slackContentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            slack.add(Json.map(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        http.createContext("/broken", ex -> {
            brokenCalls.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        http.start();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP))
                .withConfiguration(GreenMailConfiguration.aConfig().withUser(SMTP_USER, SMTP_PASSWORD));
        mail.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    public int smtpPort() {
        return mail.getSmtp().getPort();
    }

    /** SMTP settings for the test server: plain (GreenMail speaks no STARTTLS here), login from a secret. */
    public SmtpSettings smtp() {
        return new SmtpSettings(
                "127.0.0.1",
                smtpPort(),
                false,
                "sluice@example.com",
                SMTP_USER,
                "smtp_password",
                name -> name.equals("smtp_password") ? SMTP_PASSWORD : null);
    }

    public List<MimeMessage> messages() {
        return List.of(mail.getReceivedMessages());
    }

    public static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String body(MimeMessage m) {
        return GreenMailUtil.getBody(m);
    }

    @Override
    public void close() {
        http.stop(0);
        mail.stop();
    }
}
