package dev.sluice.template;

/** A config template that cannot be rendered: a syntax error or an undefined variable. Names the template. */
public class TemplateException extends RuntimeException {
    private final String template;

    public TemplateException(String template, String cause, Throwable e) {
        super("cannot render template \"" + template + "\": " + cause, e);
        this.template = template;
    }

    public String template() {
        return template;
    }
}
