#include "common/json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <functional>
#include <set>
#include <system_error>

namespace common::json {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_word(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// `U+00E9`, the way Unicode names a character.
std::string unicode_name(char32_t point) {
  char name[16];
  std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(point));
  return name;
}

// The length of the UTF-8 sequence that starts at text[at], or 0 if it is not a valid one
// (RFC 3629 section 4): the second byte's range rules out overlong forms (E0, F0), the
// UTF-16 surrogates U+D800 to U+DFFF (ED) and anything above U+10FFFF (F4).
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) -> unsigned {
    return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0;
  };
  const unsigned lead = byte(0);
  std::size_t length = 4;
  unsigned low = 0x80, high = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  if (lead >= 0xE0 && lead <= 0xEF) length = 3;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  if (lead < 0xC2 || lead > 0xF4) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// The character of the valid UTF-8 sequence of \p length bytes at text[at].
char32_t code_point(std::string_view text, std::size_t at, std::size_t length) {
  static constexpr unsigned kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t point = static_cast<unsigned char>(text[at]) & kLeadBits[length];
  for (std::size_t i = 1; i < length; ++i)
    point = (point << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  return point;
}

void append_utf8(std::string& out, char32_t point) {
  if (point < 0x80) {
    out += static_cast<char>(point);
    return;
  }
  // A lead byte with as many high 1 bits as the sequence has bytes, then 6 bits a byte.
  const int length = point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  out += static_cast<char>((0xF00 >> length) | (point >> (6 * (length - 1))));
  for (int i = length - 2; i >= 0; --i)
    out += static_cast<char>(0x80 | ((point >> (6 * i)) & 0x3F));
}

// "expected an object, found an array": the kinds in the order of enum Kind.
const char* describe(Kind kind) {
  static constexpr const char* kNames[] = {"null",     "a boolean", "a number",
                                           "a string", "an array",  "an object"};
  return kNames[static_cast<int>(kind)];
}

// The path of member \p key below \p path: `process.args`; or `annotations["a.b"]` for a
// key that is not a plain word, so that the path reads back unambiguously.
std::string member_path(const std::string& path, std::string_view key) {
  const bool word = !key.empty() && std::all_of(key.begin(), key.end(),
                                                [](char c) { return is_word(c) || c == '_'; });
  if (!word) return path + "[" + quote(key) + "]";
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// A recursive descent over RFC 8259's grammar, one function a rule, that fails at the
// first byte it cannot take, naming where it is and what it found there.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Value document() {
    check_utf8();
    skip_whitespace();
    Value value = parse_value(1);
    skip_whitespace();
    if (!at_end()) fail("expected the end of the input after the value, found " + found());
    return value;
  }

 private:
  // JSON text exchanged between systems MUST be UTF-8 (RFC 8259 section 8.1). Checked
  // first, so the rest of the parser reads valid characters only.
  void check_utf8() {
    for (pos_ = 0; !at_end(); pos_ += utf8_length(text_, pos_)) {
      if (utf8_length(text_, pos_) != 0) continue;
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text_[pos_]));
      fail(std::string("invalid UTF-8 (byte ") + byte + ")");
    }
    pos_ = 0;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  // The byte at the current position; '\0' at the end (at_end() tells it from a NUL).
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  // Only space, tab, line feed and carriage return (RFC 8259 section 2).
  void skip_whitespace() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }

  // RFC 8259 section 3. \p depth counts the arrays and objects this value is in, plus one.
  Value parse_value(int depth) {
    if ((peek() == '{' || peek() == '[') && depth > kMaxDepth)
      fail("nesting deeper than " + std::to_string(kMaxDepth) + " arrays and objects");
    if (peek() == '{') return parse_object(depth);
    if (peek() == '[') return parse_array(depth);
    Value value;
    if (peek() == '"') {
      value.kind = Kind::string;
      value.text = parse_string();
    } else if (peek() == '-' || is_digit(peek())) {
      value.kind = Kind::number;
      value.text = parse_number();
    } else {
      parse_literal(value);
    }
    return value;
  }

  // true, false or null (RFC 8259 section 3). Any other word (NaN, Infinity, undefined, a
  // key without quotes) is named whole in the error.
  void parse_literal(Value& value) {
    std::size_t end = pos_;
    while (end < text_.size() && is_word(text_[end])) ++end;
    const std::string_view word = text_.substr(pos_, end - pos_);
    if (word.empty()) fail("expected a value, found " + found());
    if (word == "true" || word == "false") {
      value.kind = Kind::boolean;
      value.boolean = word == "true";
    } else if (word != "null") {
      const bool special = word == "NaN" || word == "Infinity";
      fail("expected a value, found '" + std::string(word) + "'" +
           (special ? " (JSON numbers are finite)" : ""));
    }
    pos_ = end;
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?  (RFC 8259 section 6). Kept as
  // text: Field converts it when it is read, as an exact integer or as a double.
  std::string parse_number() {
    const std::size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) fail("leading zero in a number");
    } else {
      digits("a digit after '-'");
    }
    if (peek() == '.') {
      ++pos_;
      digits("a digit after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      digits("a digit in the exponent");
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  void digits(const char* expected) {
    if (!is_digit(peek())) fail(std::string("expected ") + expected + ", found " + found());
    while (is_digit(peek())) ++pos_;
  }

  // A string (RFC 8259 section 7): any character but '"', '\' and the control characters
  // U+0000 to U+001F, which must be escaped.
  std::string parse_string() {
    const std::size_t start = pos_++;
    std::string out;
    for (;;) {
      if (at_end()) fail_at(start, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20)
        fail(found() + " in a string (write it as an escape, such as \\n or \\u0009)");
      if (c == '\\') {
        parse_escape(out);
      } else {
        out += c;
        ++pos_;
      }
    }
    ++pos_;
    return out;
  }

  void parse_escape(std::string& out) {
    const std::size_t start = pos_++;
    static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
    if (const std::size_t simple = kFrom.find(peek()); simple != std::string_view::npos) {
      out += kTo[simple];
      ++pos_;
      return;
    }
    if (peek() != 'u') fail("invalid escape: a backslash followed by " + found());
    char32_t point = hex4();
    const std::string lone = "lone surrogate " + std::string(text_.substr(start, 6));
    if (point >= 0xDC00 && point <= 0xDFFF) fail_at(start, lone);
    if (point >= 0xD800 && point <= 0xDBFF) {
      // A character above U+FFFF is escaped as a UTF-16 surrogate pair, a high surrogate
      // then a low one; either alone is no character (RFC 8259 section 7).
      if (text_.substr(pos_, 2) != "\\u") fail_at(start, lone + " (no low surrogate follows)");
      ++pos_;
      const char32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail_at(start, lone + " (no low surrogate follows)");
      point = 0x10000 + ((point - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, point);
  }

  // The four hex digits of a \u escape; the position is at its 'u'.
  char32_t hex4() {
    char32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      ++pos_;
      const char c = peek();
      const int digit = is_digit(c)            ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) fail("expected 4 hex digits after \\u, found " + found());
      value = value * 16 + static_cast<char32_t>(digit);
    }
    ++pos_;
    return value;
  }

  // Items separated by commas up to \p close, after the opening bracket (RFC 8259
  // sections 4 and 5). A comma just before \p close, the common mistake, is named.
  void sequence(char close, const std::function<void()>& item) {
    ++pos_;
    skip_whitespace();
    if (peek() == close) {
      ++pos_;
      return;
    }
    for (;;) {
      item();
      skip_whitespace();
      if (peek() == close) break;
      if (peek() != ',') fail(std::string("expected ',' or '") + close + "', found " + found());
      const std::size_t comma = pos_++;
      skip_whitespace();
      if (peek() == close) fail_at(comma, std::string("trailing comma before '") + close + "'");
    }
    ++pos_;
  }

  Value parse_array(int depth) {
    Value array;
    array.kind = Kind::array;
    sequence(']', [&] { array.items.push_back(parse_value(depth + 1)); });
    return array;
  }

  Value parse_object(int depth) {
    Value object;
    object.kind = Kind::object;
    std::set<std::string, std::less<>> keys;
    sequence('}', [&] {
      if (peek() != '"') fail("expected a key in double quotes, found " + found());
      const std::size_t key_at = pos_;
      std::string key = parse_string();
      if (!keys.insert(key).second) fail_at(key_at, "duplicate key " + quote(key));
      skip_whitespace();
      if (peek() != ':') fail("expected ':' after the key, found " + found());
      ++pos_;
      skip_whitespace();
      object.members.push_back(Member{std::move(key), parse_value(depth + 1)});
    });
    return object;
  }

  // What is at the current position, for "expected X, found Y".
  std::string found() const {
    if (at_end()) return "the end of the input";
    const char c = text_[pos_];
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\'') return "a single quote (JSON strings take double quotes)";
    if (c == '/') return "'/' (JSON has no comments)";
    if (byte < 0x20 || byte == 0x7F) return "control character " + unicode_name(byte);
    if (byte < 0x80) return std::string("'") + c + "'";
    const char32_t point = code_point(text_, pos_, utf8_length(text_, pos_));
    return unicode_name(point) + (point == 0xFEFF ? " (a byte order mark)" : "");
  }

  [[noreturn]] void fail(const std::string& reason) const { fail_at(pos_, reason); }

  // Throws `line:column: reason`, both from 1. The column counts characters, not bytes: a
  // UTF-8 continuation byte (10xxxxxx) starts none.
  [[noreturn]] void fail_at(std::size_t at, const std::string& reason) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    throw Error(std::to_string(line) + ":" + std::to_string(column) + ": " + reason);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Value parse(std::string_view text) { return Parser(text).document(); }

Field Field::at(std::string_view key) const {
  if (std::optional<Field> member = optional(key)) return *member;
  throw Error(member_path(path_, key) + ": missing");
}

std::optional<Field> Field::optional(std::string_view key) const {
  for (const Member& member : expect(Kind::object).members) {
    if (member.key == key) return child(member);
  }
  return std::nullopt;
}

Field Field::child(const Member& member) const {
  return Field(member.value, member_path(path_, member.key));
}

void Field::only(std::initializer_list<std::string_view> known) const {
  for (const Member& member : expect(Kind::object).members) {
    if (std::find(known.begin(), known.end(), member.key) == known.end())
      fail("unknown key " + quote(member.key));
  }
}

std::size_t Field::size() const { return expect(Kind::array).items.size(); }

Field Field::at(std::size_t index) const {
  const std::vector<Value>& items = expect(Kind::array).items;
  std::string path = path_ + "[" + std::to_string(index) + "]";
  if (index >= items.size()) {
    throw Error(path + ": missing (the array has " + std::to_string(items.size()) + " items)");
  }
  return Field(items[index], std::move(path));
}

bool Field::boolean() const { return expect(Kind::boolean).boolean; }

std::int64_t Field::integer() const {
  const std::string& text = expect(Kind::number).text;
  if (text.find_first_of(".eE") != std::string::npos) fail(text + " is not an integer");
  // The parser let through only RFC 8259's digits, so from_chars can fail only on range.
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    fail(text + " is out of range for a 64-bit integer");
  return value;
}

std::uint64_t Field::unsigned_integer() const {
  const std::string& text = expect(Kind::number).text;
  if (text.find_first_of(".eE") != std::string::npos) fail(text + " is not an integer");
  if (text.starts_with("-")) fail(text + " is below 0");
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    fail(text + " is out of range for an unsigned 64-bit integer");
  return value;
}

std::int64_t Field::integer(std::int64_t min, std::int64_t max) const {
  const std::int64_t value = integer();
  if (value < min || value > max) {
    fail(std::to_string(value) + " is out of range [" + std::to_string(min) + ", " +
         std::to_string(max) + "]");
  }
  return value;
}

double Field::number() const {
  const std::string& text = expect(Kind::number).text;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size())
    fail(text + " is out of range for a double");
  return value;
}

const std::string& Field::string() const { return expect(Kind::string).text; }

std::vector<std::string> Field::strings() const {
  std::vector<std::string> out;
  each([&](const Field& item) { out.push_back(item.string()); });
  return out;
}

void Field::fail(std::string_view reason) const {
  throw Error((path_.empty() ? "top level" : path_) + ": " + std::string(reason));
}

const Value& Field::expect(Kind kind) const {
  if (value_->kind != kind)
    fail(std::string("expected ") + describe(kind) + ", found " + describe(value_->kind));
  return *value_;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.append(1, '\\').append(1, c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04X", static_cast<unsigned>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace common::json
