package dev.skiff.api.selector;

/** A label requirement's operator, spelled as upstream's selection.Operator values. */
public enum Operator {
    IN("in"), NOT_IN("notin"), EQUALS("="), DOUBLE_EQUALS("=="), NOT_EQUALS("!="),
    GREATER_THAN("gt"), LESS_THAN("lt"), EXISTS("exists"), DOES_NOT_EXIST("!");

    private final String upstream;

    Operator(String upstream) {
        this.upstream = upstream;
    }

    /** The upstream spelling, used in error messages. */
    public String upstream() {
        return upstream;
    }
}
