// The little JSON the Java adapter needs (the host's request file in, the
// outcome file and the hello out): the JDK has no JSON reader. Objects keep
// their key order (LinkedHashMap), integers are Long, other numbers Double.
// Strict: anything else is an error naming the file and the offset.

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class Json {
  private final String text;
  private final String source;
  private int at;

  private Json(String text, String source) {
    this.text = text;
    this.source = source;
  }

  static Object parse(String text, String source) {
    Json reader = new Json(text, source);
    reader.skipSpace();
    Object value = reader.value();
    reader.skipSpace();
    if (reader.at != text.length()) throw reader.error("end of input");
    return value;
  }

  private IllegalArgumentException error(String expected) {
    return new IllegalArgumentException(source + ": offset " + at + ": expected " + expected);
  }

  private void skipSpace() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) at++;
  }

  private boolean take(String literal) {
    if (!text.startsWith(literal, at)) return false;
    at += literal.length();
    return true;
  }

  private Object value() {
    if (at >= text.length()) throw error("a value");
    char c = text.charAt(at);
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') return string();
    if (take("true")) return Boolean.TRUE;
    if (take("false")) return Boolean.FALSE;
    if (take("null")) return null;
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    throw error("a value");
  }

  private Map<String, Object> object() {
    Map<String, Object> members = new LinkedHashMap<>();
    at++;
    skipSpace();
    if (take("}")) return members;
    while (true) {
      skipSpace();
      if (at >= text.length() || text.charAt(at) != '"') throw error("a member name");
      String key = string();
      skipSpace();
      if (!take(":")) throw error("':'");
      skipSpace();
      members.put(key, value());
      skipSpace();
      if (take("}")) return members;
      if (!take(",")) throw error("',' or '}'");
    }
  }

  private List<Object> array() {
    List<Object> items = new ArrayList<>();
    at++;
    skipSpace();
    if (take("]")) return items;
    while (true) {
      skipSpace();
      items.add(value());
      skipSpace();
      if (take("]")) return items;
      if (!take(",")) throw error("',' or ']'");
    }
  }

  private String string() {
    StringBuilder out = new StringBuilder();
    at++;
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') return out.toString();
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (at >= text.length()) break;
      char escape = text.charAt(at++);
      switch (escape) {
        case '"': case '\\': case '/': out.append(escape); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'u':
          if (at + 4 > text.length()) throw error("four hex digits");
          try {
            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException bad) {
            throw error("four hex digits");
          }
          at += 4;
          break;
        default: throw error("an escape");
      }
    }
    throw error("a closing quote");
  }

  private Object number() {
    int start = at;
    if (text.charAt(at) == '-') at++;
    boolean integral = true;
    while (at < text.length() && "0123456789.eE+-".indexOf(text.charAt(at)) >= 0) {
      if ("0123456789".indexOf(text.charAt(at)) < 0) integral = false;
      at++;
    }
    String digits = text.substring(start, at);
    try {
      return integral ? (Object) Long.parseLong(digits) : (Object) Double.parseDouble(digits);
    } catch (NumberFormatException bad) {
      at = start;
      throw error("a number");
    }
  }

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String) {
      writeString((String) value, out);
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> member : ((Map<?, ?>) value).entrySet()) {
        if (!first) out.append(", ");
        first = false;
        writeString(String.valueOf(member.getKey()), out);
        out.append(": ");
        write(member.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof List) {
      out.append('[');
      boolean first = true;
      for (Object item : (List<?>) value) {
        if (!first) out.append(", ");
        first = false;
        write(item, out);
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }

  private static void writeString(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c == '\n') out.append("\\n");
      else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }
}
