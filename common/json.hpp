#pragma once
/// \file
/// \brief A small, strict JSON reader (RFC 8259) for an OCI bundle's config.json, with
/// errors that say where: `3:14: trailing comma before '}'` while parsing, and
/// `process.args[2]: expected a string, found a number` while reading.
///
/// Strict because a runtime that guesses what a malformed config meant runs something
/// nobody wrote: no comments, no trailing commas, no leading zeros, no NaN or Infinity, no
/// single quotes, no raw control characters in strings, no lone surrogates, no invalid
/// UTF-8, nothing but whitespace after the value, and no key twice in one object (RFC 8259
/// section 4 only says names SHOULD be unique; a duplicate would be silently ambiguous).
/// Nesting is limited to kMaxDepth, so hostile input cannot overflow the stack; limiting
/// the input's size is the caller's business.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace common::json {

/// \brief Malformed JSON, or a document that is not what the reader asked for. what()
/// names where: `line:column: reason` for a parse, `path: reason` for a read.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief The deepest nesting of arrays and objects that parse() accepts (RFC 8259 section
/// 9 lets a parser set one). A config.json nests 5 deep; each level costs the recursive
/// parser a few stack frames, so a megabyte of `[` is refused, not a crash.
inline constexpr int kMaxDepth = 64;

/// \brief What a Value holds (RFC 8259 section 3).
enum class Kind { null, boolean, number, string, array, object };

struct Member;

/// \brief One parsed JSON value. Read it through a Field, which checks kinds and names
/// the path in its errors.
struct Value {
  /// \brief Which of the members below is meaningful.
  Kind kind = Kind::null;
  /// \brief The value of a boolean.
  bool boolean = false;
  /// \brief A string's contents (UTF-8, escapes decoded), or a number's text as written:
  /// converted only when read, so that an integer stays exact whatever its size.
  std::string text;
  /// \brief An array's items.
  std::vector<Value> items;
  /// \brief An object's members, in document order; no key twice.
  std::vector<Member> members;
};

/// \brief One member of an object.
struct Member {
  /// \brief The key, escapes decoded.
  std::string key;
  /// \brief Its value.
  Value value;
};

/// \brief \p text as a JSON string: in double quotes, with quotes, backslashes and control
/// characters escaped (RFC 8259 section 7), for a runtime that writes JSON (its `state`) or
/// an error message naming a hostile key. Other bytes go as they are: \p text is UTF-8.
std::string quote(std::string_view text);

/// \brief Parses \p text, which must be one JSON value and nothing else but whitespace.
/// Throws Error naming the line and column (both from 1, the column in characters) and
/// the reason, e.g. `2:5: leading zero in a number`.
/// \param text the whole document, UTF-8 without a byte order mark.
Value parse(std::string_view text);

/// \brief A value and the path that leads to it, for reading a document the way its
/// schema reads:
/// \code
/// const common::json::Value config = common::json::parse(text);
/// const common::json::Field root(config);
/// const std::vector<std::string> args = root.at("process").at("args").strings();
/// if (const auto hostname = root.optional("hostname")) set(hostname->string());
/// \endcode
/// Every error it throws starts with the path (`linux.resources.memory.limit`, `mounts[3]`,
/// `annotations["org.opencontainers.image.os"]`, or `top level`). A Field refers to its
/// Value, which must outlive it.
class Field {
 public:
  /// \brief The top level of a parsed document.
  explicit Field(const Value& value) : value_(&value) {}
  /// \brief Not from a temporary: the Field would outlive it.
  explicit Field(Value&&) = delete;

  /// \brief Where this value is, such as `process.args[2]`; empty at the top level.
  const std::string& path() const noexcept { return path_; }
  /// \brief What the value holds.
  Kind kind() const noexcept { return value_->kind; }

  /// \brief The member \p key of this object. Throws if this is not an object, or
  /// `process.cwd: missing` if it has no such key.
  Field at(std::string_view key) const;
  /// \brief The member \p key of this object, or nothing if it has none (a member that is
  /// present and null is returned: null is a value). Throws if this is not an object.
  std::optional<Field> optional(std::string_view key) const;
  /// \brief Throws `process: unknown key "foo"` if this object has a key not in \p known:
  /// for a caller that would rather refuse a misspelled setting than ignore it.
  void only(std::initializer_list<std::string_view> known) const;
  /// \brief Calls \p visit(key, field) for each member of this object, in document order.
  template <typename Visit>
  void each_member(Visit visit) const {
    for (const Member& member : expect(Kind::object).members) visit(member.key, child(member));
  }

  /// \brief The number of items of this array.
  std::size_t size() const;
  /// \brief Item \p index of this array; throws `mounts[3]: missing` past its end.
  Field at(std::size_t index) const;
  /// \brief Calls \p visit(field) for each item of this array, in order.
  template <typename Visit>
  void each(Visit visit) const {
    for (std::size_t index = 0, count = size(); index < count; ++index) visit(at(index));
  }

  /// \brief The value of this boolean.
  bool boolean() const;
  /// \brief The value of this number, which must be an integer in int64 range, written
  /// without a fraction or exponent (so `1.0` and `1e3` are refused, not rounded). Exact
  /// beyond the 2^53 that RFC 8259 section 6 promises interoperable: 2^63 - 1 reads back.
  std::int64_t integer() const;
  /// \brief The value of this number, an integer from 0 to 2^64 - 1, as the spec's uint64
  /// fields (an rlimit's 18446744073709551615 is RLIM_INFINITY): no sign, fraction or exponent.
  std::uint64_t unsigned_integer() const;
  /// \brief As integer(), and also refused outside [\p min, \p max], such as a uid.
  std::int64_t integer(std::int64_t min, std::int64_t max) const;
  /// \brief The value of this number as the nearest double; throws if out of its range.
  double number() const;
  /// \brief The contents of this string. It may hold U+0000 (written `\u0000`): a caller
  /// that passes it to a system call as a C string should refuse that first.
  const std::string& string() const;
  /// \brief The items of this array, each a string, such as `process.args`.
  std::vector<std::string> strings() const;

  /// \brief Throws Error with this field's path and \p reason, for the caller's own
  /// checks: `process.cwd: must be an absolute path`.
  [[noreturn]] void fail(std::string_view reason) const;

 private:
  Field(const Value& value, std::string path) : value_(&value), path_(std::move(path)) {}
  // The Field of one of this object's members.
  Field child(const Member& member) const;
  // This value if it is of \p kind, else throws "expected an object, found an array".
  const Value& expect(Kind kind) const;

  const Value* value_;
  std::string path_;
};

}  // namespace common::json
