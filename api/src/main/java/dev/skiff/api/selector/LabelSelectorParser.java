package dev.skiff.api.selector;

import dev.skiff.api.errors.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Upstream's label selector lexer and parser (apimachinery pkg/labels/selector.go), rewritten
 * token for token so that the same inputs are accepted and the same error texts come back. Its
 * quirks are kept on purpose: "in"/"notin" are identifiers where a value is expected, a NUL
 * character ends the current token as end-of-input does in Go, "()" means the empty value, and
 * (as in v1.33, fixed later upstream) ",," inside a value list swallows the second comma.
 */
final class LabelSelectorParser {
    enum Token { ERROR, END_OF_STRING, CLOSED_PAR, COMMA, DOES_NOT_EXIST, DOUBLE_EQUALS, EQUALS, GREATER_THAN,
        IDENTIFIER, IN, LESS_THAN, NOT_EQUALS, NOT_IN, OPEN_PAR }

    private record Item(Token token, String literal) {
    }

    private enum Context { KEY_AND_OPERATOR, VALUES }

    private static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

    private final String input;
    private int pos;
    private final List<Item> items = new ArrayList<>();
    private int position;

    private LabelSelectorParser(String input) {
        this.input = input;
    }

    /** Parses, or throws a 400 whose message is upstream's parse error. */
    static List<Requirement> parse(String selector) {
        return new LabelSelectorParser(selector).parse();
    }

    // ---- lexer ----

    private static Token keyword(String s) {
        return switch (s) {
            case ")" -> Token.CLOSED_PAR;
            case "," -> Token.COMMA;
            case "!" -> Token.DOES_NOT_EXIST;
            case "==" -> Token.DOUBLE_EQUALS;
            case "=" -> Token.EQUALS;
            case ">" -> Token.GREATER_THAN;
            case "in" -> Token.IN;
            case "<" -> Token.LESS_THAN;
            case "!=" -> Token.NOT_EQUALS;
            case "notin" -> Token.NOT_IN;
            case "(" -> Token.OPEN_PAR;
            default -> null;
        };
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isSpecialSymbol(char c) {
        return switch (c) {
            case '=', '!', '(', ')', ',', '>', '<' -> true;
            default -> false;
        };
    }

    /** Go's read(): 0 at the end without advancing; a NUL inside the input reads as 0 too. */
    private char read() {
        if (pos < input.length()) {
            return input.charAt(pos++);
        }
        return 0;
    }

    private void unread() {
        pos--;
    }

    private Item lex() {
        char ch = read();
        while (isWhitespace(ch)) {
            ch = read();
        }
        if (ch == 0) {
            return new Item(Token.END_OF_STRING, "");
        }
        unread();
        return isSpecialSymbol(ch) ? scanSpecialSymbol() : scanIdOrKeyword();
    }

    private Item scanIdOrKeyword() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            char ch = read();
            if (ch == 0) {
                break;
            }
            if (isSpecialSymbol(ch) || isWhitespace(ch)) {
                unread();
                break;
            }
            sb.append(ch);
        }
        String s = sb.toString();
        Token t = keyword(s);
        return new Item(t != null ? t : Token.IDENTIFIER, s);
    }

    private Item scanSpecialSymbol() {
        Item last = null;
        StringBuilder sb = new StringBuilder();
        while (true) {
            char ch = read();
            if (ch == 0) {
                break;
            }
            if (!isSpecialSymbol(ch)) {
                unread();
                break;
            }
            sb.append(ch);
            Token t = keyword(sb.toString());
            if (t != null) {
                last = new Item(t, sb.toString());
            } else if (last != null) {
                unread();
                break;
            }
        }
        if (last == null) {
            return new Item(Token.ERROR, "error expected: keyword found '" + sb + "'");
        }
        return last;
    }

    // ---- parser ----

    private Item lookahead(Context context) {
        return inContext(items.get(position), context);
    }

    private Item consume(Context context) {
        return inContext(items.get(position++), context);
    }

    private static Item inContext(Item item, Context context) {
        if (context == Context.VALUES && (item.token() == Token.IN || item.token() == Token.NOT_IN)) {
            return new Item(Token.IDENTIFIER, item.literal());
        }
        return item;
    }

    private List<Requirement> parse() {
        while (true) {
            Item item = lex();
            items.add(item);
            if (item.token() == Token.END_OF_STRING) {
                break;
            }
        }
        List<Requirement> requirements = new ArrayList<>();
        while (true) {
            Item next = lookahead(Context.VALUES);
            switch (next.token()) {
                case IDENTIFIER, DOES_NOT_EXIST -> {
                    requirements.add(parseRequirement());
                    Item after = consume(Context.VALUES);
                    switch (after.token()) {
                        case END_OF_STRING -> {
                            return requirements;
                        }
                        case COMMA -> {
                            Item t2 = lookahead(Context.VALUES);
                            if (t2.token() != Token.IDENTIFIER && t2.token() != Token.DOES_NOT_EXIST) {
                                throw error("found '" + t2.literal() + "', expected: identifier after ','");
                            }
                        }
                        default -> throw error("found '" + after.literal() + "', expected: ',' or 'end of string'");
                    }
                }
                case END_OF_STRING -> {
                    return requirements;
                }
                default -> throw error("found '" + next.literal() + "', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private Requirement parseRequirement() {
        try {
            Operator op = null;
            Item item = consume(Context.VALUES);
            if (item.token() == Token.DOES_NOT_EXIST) {
                op = Operator.DOES_NOT_EXIST;
                item = consume(Context.VALUES);
            }
            if (item.token() != Token.IDENTIFIER) {
                throw new ParseError("found '" + item.literal() + "', expected: identifier");
            }
            String key = item.literal();
            // upstream validates the key with no field path, hence its "<nil>: " prefix
            String keyErr = Requirement.keyError(key, "<nil>");
            if (keyErr != null) {
                throw new ParseError(keyErr);
            }
            Token t = lookahead(Context.VALUES).token();
            if ((t == Token.END_OF_STRING || t == Token.COMMA) && op != Operator.DOES_NOT_EXIST) {
                op = Operator.EXISTS;
            }
            if (op == Operator.EXISTS || op == Operator.DOES_NOT_EXIST) {
                return requirement(key, op, List.of());
            }
            op = parseOperator();
            List<String> values = switch (op) {
                case IN, NOT_IN -> parseValues();
                default -> parseExactValue();
            };
            return requirement(key, op, values);
        } catch (ParseError e) {
            throw error("unable to parse requirement: " + e.getMessage());
        }
    }

    private static Requirement requirement(String key, Operator op, List<String> values) {
        try {
            return Requirement.of(key, op, values);
        } catch (ApiException e) {
            throw new ParseError(e.getMessage());
        }
    }

    private Operator parseOperator() {
        Item item = consume(Context.KEY_AND_OPERATOR);
        return switch (item.token()) {
            case IN -> Operator.IN;
            case EQUALS -> Operator.EQUALS;
            case DOUBLE_EQUALS -> Operator.DOUBLE_EQUALS;
            case GREATER_THAN -> Operator.GREATER_THAN;
            case LESS_THAN -> Operator.LESS_THAN;
            case NOT_IN -> Operator.NOT_IN;
            case NOT_EQUALS -> Operator.NOT_EQUALS;
            default -> throw new ParseError("found '" + item.literal() + "', expected: " + BINARY_OPERATORS);
        };
    }

    private List<String> parseValues() {
        Item item = consume(Context.VALUES);
        if (item.token() != Token.OPEN_PAR) {
            throw new ParseError("found '" + item.literal() + "' expected: '('");
        }
        Item next = lookahead(Context.VALUES);
        switch (next.token()) {
            case IDENTIFIER, COMMA -> {
                TreeSet<String> values = parseIdentifiersList();
                if (consume(Context.VALUES).token() != Token.CLOSED_PAR) {
                    throw new ParseError("found '" + next.literal() + "', expected: ')'");
                }
                return List.copyOf(values);
            }
            case CLOSED_PAR -> {
                consume(Context.VALUES);
                return List.of("");
            }
            default -> throw new ParseError("found '" + next.literal() + "', expected: ',', ')' or identifier");
        }
    }

    private TreeSet<String> parseIdentifiersList() {
        TreeSet<String> values = new TreeSet<>();
        while (true) {
            Item item = consume(Context.VALUES);
            switch (item.token()) {
                case IDENTIFIER -> {
                    values.add(item.literal());
                    Item next = lookahead(Context.VALUES);
                    switch (next.token()) {
                        case COMMA -> {
                        }
                        case CLOSED_PAR -> {
                            return values;
                        }
                        default -> throw new ParseError("found '" + next.literal() + "', expected: ',' or ')'");
                    }
                }
                case COMMA -> {
                    if (values.isEmpty()) {
                        values.add("");
                    }
                    Token next = lookahead(Context.VALUES).token();
                    if (next == Token.CLOSED_PAR) {
                        values.add("");
                        return values;
                    }
                    if (next == Token.COMMA) {
                        // v1.33 consumes the second comma here (later releases do not), so "(a,,)" is an error
                        consume(Context.VALUES);
                        values.add("");
                    }
                }
                default -> throw new ParseError("found '" + item.literal() + "', expected: ',', or identifier");
            }
        }
    }

    private List<String> parseExactValue() {
        Token t = lookahead(Context.VALUES).token();
        if (t == Token.END_OF_STRING || t == Token.COMMA) {
            return List.of("");
        }
        Item item = consume(Context.VALUES);
        if (item.token() == Token.IDENTIFIER) {
            return List.of(item.literal());
        }
        throw new ParseError("found '" + item.literal() + "', expected: identifier");
    }

    private static ApiException error(String message) {
        return ApiException.badRequest(message);
    }

    /** A failure inside one requirement; parse() prefixes it as upstream does. */
    private static final class ParseError extends RuntimeException {
        ParseError(String message) {
            super(message, null, false, false);
        }
    }
}
