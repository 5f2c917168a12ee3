// The syntax tree of the rule expression language (docs/rules.md), produced by the
// hand-written lexer and recursive-descent parser in expr_parser.cpp and consumed by the
// compiler in expr.cpp. Internal to the ruleset stage: nothing outside bannin/ruleset/
// should include this file. Built once per rule load, on the loading thread; never used
// on the event path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <bannin/core/ip_address.h>
#include <bannin/ruleset/expr.h>

namespace bannin::ruleset::detail {

/// Longest expression accepted, in bytes (a rule condition is one line; this bounds the
/// work a hostile or broken rule file can cause).
inline constexpr std::size_t kMaxExprBytes = std::size_t{64} * 1024;
/// Deepest nesting of the syntax tree (parentheses, `not`, unary minus, arithmetic chains).
/// Bounds recursion in the parser, the compiler and evaluation.
inline constexpr int kMaxDepth = 128;

enum class AstKind : std::uint8_t {
  Error,   ///< a syntax error was reported here; compiles to nothing, adds no diagnostic
  Bool,    ///< true / false
  Int,     ///< integer or duration literal (durations in nanoseconds)
  Num,     ///< decimal literal
  Str,     ///< "quoted"
  Ip,      ///< bare IP literal
  Net,     ///< bare CIDR literal
  Field,   ///< identifier (resolved by the compiler)
  Param,   ///< $name
  List,    ///< [a, b, ...] — kids are the items
  Call,    ///< name(args...) — kids are the arguments
  Not,     ///< not x
  Neg,     ///< -x
  And,     ///< a and b and ... (n-ary)
  Or,      ///< a or b or ... (n-ary)
  Binary,  ///< kids[0] op kids[1]
};

enum class BinOp : std::uint8_t {
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,  // comparison
  In,  // membership (lists, CIDRs)
  StartsWith,
  EndsWith,
  Contains,
  Match,  // ~ (RE2)
  Add,
  Sub,
  Mul,
  Div,  // arithmetic
};

std::string_view binop_text(BinOp op) noexcept;

struct Ast {
  AstKind kind = AstKind::Error;
  std::uint32_t begin = 0;  ///< byte span in the expression text
  std::uint32_t end = 0;
  std::uint32_t op_offset = 0;  ///< Binary/Not/Neg: offset of the operator token
  BinOp op = BinOp::Eq;
  bool negated = false;  ///< Binary: `not in`, `not contains`, `!~` ...
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;  ///< Str: unescaped text; Field/Param/Call: the name
  core::IpAddress ip;
  std::uint8_t prefix_len = 0;  ///< Net
  std::vector<std::unique_ptr<Ast>> kids;
  int depth = 1;  ///< height of this subtree (bounded by kMaxDepth)
};

struct ParseResult {
  std::unique_ptr<Ast> root;  ///< never null; may contain Error nodes
  bool ok = true;             ///< false when a syntax diagnostic was added
};

/// Parses text; appends every syntax problem found to diags.
ParseResult parse(std::string_view text, std::vector<Diagnostic>& diags);

/// Canonical text of a subtree (whitespace normalised, minimal parentheses), used to name and
/// deduplicate aggregates: `share(country not in $home)`.
std::string to_text(const Ast& a);

/// Collapses runs of whitespace outside double-quoted strings to one space and trims.
std::string normalize_space(std::string_view text);

/// Parses an integer, decimal or duration literal exactly as the lexer does ("10m" = 600 s in
/// ns). Used to read $parameters. Returns false if text is not such a literal.
bool parse_number_literal(std::string_view text, bool& is_int, std::int64_t& i, double& d);

/// Parses "a.b.c.d/n" or "v6::/n" into network + prefix length (host bits must be zero).
bool parse_cidr(std::string_view text, core::IpAddress& net, std::uint8_t& len);

/// A snippet of text for messages: at most ~40 bytes, quoted.
std::string quote_snippet(std::string_view text, std::uint32_t begin, std::uint32_t end);

}  // namespace bannin::ruleset::detail
