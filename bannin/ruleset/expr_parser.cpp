// Lexer and recursive-descent parser of the rule expression language (docs/rules.md).
// Runs once per rule load; never on the event path. Never throws on any input text: every
// problem becomes a "syntax" (or "bad_cidr") Diagnostic with the byte offset of the
// offending token, and parsing resumes at the next `and` / `or` so that one bad clause does
// not hide the problems in the others.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <bannin/ruleset/expr_ast.h>

namespace bannin::ruleset::detail {
namespace {

enum class Tok : std::uint8_t {
  End,
  Error,
  Ident,
  Int,
  Num,
  Str,
  Ip,
  Net,
  Param,
  LParen,
  RParen,
  LBrack,
  RBrack,
  Comma,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Match,
  NotMatch,
  Plus,
  Minus,
  Star,
  Slash,
  And,
  Or,
  Not,
  In,
  StartsWith,
  EndsWith,
  Contains,
  True,
  False,
};

struct Token {
  Tok kind = Tok::End;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::int64_t i = 0;
  double d = 0;
  std::string s;  // Str: unescaped; Ident/Param: name; Error: message
  core::IpAddress ip;
  std::uint8_t prefix_len = 0;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Duration units, in nanoseconds.
bool unit_ns(std::string_view u, std::int64_t& ns) {
  if (u == "ns")
    ns = 1;
  else if (u == "us")
    ns = 1'000;
  else if (u == "ms")
    ns = 1'000'000;
  else if (u == "s")
    ns = 1'000'000'000;
  else if (u == "m")
    ns = 60'000'000'000;
  else if (u == "h")
    ns = 3'600'000'000'000;
  else if (u == "d")
    ns = 86'400'000'000'000;
  else
    return false;
  return true;
}

// Reads digits[.digits][unit] at the start of t. Sets used to the bytes consumed; returns
// false with a message in err when the text is a malformed number.
bool read_number(std::string_view t, std::size_t& used, bool& is_int, std::int64_t& iv, double& dv,
                 std::string& err) {
  std::size_t p = 0;
  while (p < t.size() && is_digit(t[p])) ++p;
  bool dec = false;
  if (p + 1 < t.size() && t[p] == '.' && is_digit(t[p + 1])) {
    dec = true;
    ++p;
    while (p < t.size() && is_digit(t[p])) ++p;
  }
  std::size_t num_end = p;
  while (p < t.size() && (is_alpha(t[p]) || is_digit(t[p]))) ++p;
  std::string_view unit = t.substr(num_end, p - num_end);
  used = p;
  if (!dec) {
    std::uint64_t u = 0;
    auto r = std::from_chars(t.data(), t.data() + num_end, u);
    if (r.ec != std::errc{} ||
        u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      err = "number out of range";
      return false;
    }
    iv = static_cast<std::int64_t>(u);
    is_int = true;
  } else {
    // std::from_chars for double is not in every libstdc++ we build with; strtod needs a
    // NUL-terminated copy, bounded by the digits scanned.
    std::string copy(t.substr(0, num_end));
    dv = std::strtod(copy.c_str(), nullptr);
    is_int = false;
    if (!std::isfinite(dv)) {
      err = "number out of range";
      return false;
    }
  }
  if (unit.empty()) return true;
  std::int64_t ns = 0;
  if (!unit_ns(unit, ns)) {
    err = "unknown unit '" + std::string(unit) + "' (durations use ns, us, ms, s, m, h, d)";
    return false;
  }
  if (is_int) {
    if (iv > std::numeric_limits<std::int64_t>::max() / ns) {
      err = "duration out of range";
      return false;
    }
    iv *= ns;
  } else {
    double v = dv * static_cast<double>(ns);
    if (!(v < 9.2e18)) {
      err = "duration out of range";
      return false;
    }
    iv = static_cast<std::int64_t>(std::llround(v));
    is_int = true;
  }
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : t_(text) {}

  Token next() {
    while (p_ < t_.size() && is_space(t_[p_])) ++p_;
    Token tok;
    tok.begin = static_cast<std::uint32_t>(p_);
    if (p_ >= t_.size()) {
      tok.kind = Tok::End;
      tok.end = tok.begin;
      return tok;
    }
    char c = t_[p_];
    // IP literals: a run of hex digits, ':' and '.' that contains ':' (IPv6) or starts with
    // a digit and has three dots (IPv4). Checked before numbers and identifiers because
    // "fe80::1" starts like a name and "192.0.2.1" like a number.
    if (is_hex(c) || c == ':') {
      std::size_t q = p_;
      int colons = 0, dots = 0;
      while (q < t_.size() && (is_hex(t_[q]) || t_[q] == ':' || t_[q] == '.')) {
        colons += t_[q] == ':';
        dots += t_[q] == '.';
        ++q;
      }
      bool ident_follows = q < t_.size() && (is_alpha(t_[q]));
      if (!ident_follows && (colons > 0 || (is_digit(c) && dots >= 2))) {
        return lex_ip(tok, q);
      }
    }
    if (is_digit(c)) return lex_number(tok);
    if (is_alpha(c)) return lex_word(tok);
    if (c == '"') return lex_string(tok);
    if (c == '$') {
      std::size_t q = p_ + 1;
      while (q < t_.size() && (is_alpha(t_[q]) || is_digit(t_[q]) || t_[q] == '.')) ++q;
      if (q == p_ + 1) return error(tok, p_ + 1, "expected a parameter name after '$'");
      tok.kind = Tok::Param;
      tok.s = std::string(t_.substr(p_ + 1, q - p_ - 1));
      return finish(tok, q);
    }
    auto two = [&](char second) { return p_ + 1 < t_.size() && t_[p_ + 1] == second; };
    switch (c) {
      case '(':
        return simple(tok, Tok::LParen, 1);
      case ')':
        return simple(tok, Tok::RParen, 1);
      case '[':
        return simple(tok, Tok::LBrack, 1);
      case ']':
        return simple(tok, Tok::RBrack, 1);
      case ',':
        return simple(tok, Tok::Comma, 1);
      case '+':
        return simple(tok, Tok::Plus, 1);
      case '-':
        return simple(tok, Tok::Minus, 1);
      case '*':
        return simple(tok, Tok::Star, 1);
      case '/':
        return simple(tok, Tok::Slash, 1);
      case '~':
        return simple(tok, Tok::Match, 1);
      case '=':
        if (two('=')) return simple(tok, Tok::Eq, 2);
        return error(tok, p_ + 1, "'=' is not an operator; use '==' to compare");
      case '!':
        if (two('=')) return simple(tok, Tok::Ne, 2);
        if (two('~')) return simple(tok, Tok::NotMatch, 2);
        return error(tok, p_ + 1, "'!' is not an operator; use 'not'");
      case '<':
        if (two('=')) return simple(tok, Tok::Le, 2);
        return simple(tok, Tok::Lt, 1);
      case '>':
        if (two('=')) return simple(tok, Tok::Ge, 2);
        return simple(tok, Tok::Gt, 1);
      case '&':
        return error(tok, p_ + (two('&') ? 2 : 1), "'&' is not an operator; use 'and'");
      case '|':
        return error(tok, p_ + (two('|') ? 2 : 1), "'|' is not an operator; use 'or'");
      case '\'':
        return error(tok, p_ + 1, "strings are written in double quotes");
      default:
        break;
    }
    // Skip one whole UTF-8 sequence so the message shows the character.
    std::size_t q = p_ + 1;
    while (q < t_.size() && (static_cast<unsigned char>(t_[q]) & 0xC0) == 0x80) ++q;
    return error(tok, q, "unexpected character");
  }

 private:
  Token simple(Token& tok, Tok k, std::size_t n) {
    tok.kind = k;
    return finish(tok, p_ + n);
  }
  Token finish(Token& tok, std::size_t end) {
    p_ = end;
    tok.end = static_cast<std::uint32_t>(end);
    return std::move(tok);
  }
  Token error(Token& tok, std::size_t end, std::string msg) {
    tok.kind = Tok::Error;
    tok.s = std::move(msg);
    return finish(tok, end);
  }

  Token lex_ip(Token& tok, std::size_t q) {
    std::string_view addr = t_.substr(p_, q - p_);
    std::size_t end = q;
    bool has_len = false;
    if (q + 1 < t_.size() && t_[q] == '/' && is_digit(t_[q + 1])) {
      has_len = true;
      end = q + 1;
      while (end < t_.size() && is_digit(t_[end])) ++end;
    }
    std::string_view whole = t_.substr(p_, end - p_);
    if (!has_len) {
      auto ip = core::IpAddress::parse(addr);
      if (!ip) return error(tok, end, "not a valid IP address");
      tok.kind = Tok::Ip;
      tok.ip = *ip;
      return finish(tok, end);
    }
    core::IpAddress net;
    std::uint8_t len = 0;
    if (!parse_cidr(whole, net, len)) {
      tok.s = "bad_cidr";
      tok.kind = Tok::Error;
      return finish(tok, end);
    }
    tok.kind = Tok::Net;
    tok.ip = net;
    tok.prefix_len = len;
    return finish(tok, end);
  }

  Token lex_number(Token& tok) {
    std::size_t used = 0;
    bool is_int = true;
    std::int64_t iv = 0;
    double dv = 0;
    std::string err;
    bool ok = read_number(t_.substr(p_), used, is_int, iv, dv, err);
    if (!ok) return error(tok, p_ + used, std::move(err));
    tok.kind = is_int ? Tok::Int : Tok::Num;
    tok.i = iv;
    tok.d = dv;
    return finish(tok, p_ + used);
  }

  Token lex_word(Token& tok) {
    std::size_t q = p_;
    while (q < t_.size() && (is_alpha(t_[q]) || is_digit(t_[q]))) ++q;
    std::string_view w = t_.substr(p_, q - p_);
    struct Kw {
      std::string_view text;
      Tok kind;
    };
    static constexpr Kw kKeywords[] = {
        {"and", Tok::And},
        {"or", Tok::Or},
        {"not", Tok::Not},
        {"in", Tok::In},
        {"startswith", Tok::StartsWith},
        {"endswith", Tok::EndsWith},
        {"contains", Tok::Contains},
        {"true", Tok::True},
        {"false", Tok::False},
    };
    tok.kind = Tok::Ident;
    for (const auto& kw : kKeywords) {
      if (kw.text == w) tok.kind = kw.kind;
    }
    if (tok.kind == Tok::Ident) tok.s = std::string(w);
    return finish(tok, q);
  }

  Token lex_string(Token& tok) {
    std::size_t q = p_ + 1;
    std::string out;
    while (q < t_.size() && t_[q] != '"') {
      if (t_[q] == '\\' && q + 1 < t_.size()) {
        char n = t_[q + 1];
        if (n == '"' || n == '\\') {
          out.push_back(n);
        } else {
          // Other escapes are kept as written, so regexes read naturally: "\.php$".
          out.push_back('\\');
          out.push_back(n);
        }
        q += 2;
        continue;
      }
      out.push_back(t_[q]);
      ++q;
    }
    if (q >= t_.size()) return error(tok, t_.size(), "unterminated string");
    tok.kind = Tok::Str;
    tok.s = std::move(out);
    return finish(tok, q + 1);
  }

  std::string_view t_;
  std::size_t p_ = 0;
};

class Parser {
 public:
  Parser(std::string_view text, std::vector<Diagnostic>& diags)
      : text_(text), lex_(text), diags_(diags) {
    advance();
  }

  ParseResult run() {
    ParseResult r;
    r.root = parse_or();
    while (cur_.kind != Tok::End && !fatal_) {
      if (cur_.kind == Tok::And || cur_.kind == Tok::Or) {
        // Resumed here after an error: keep checking the later clauses for syntax.
        advance();
        (void)parse_or();
        continue;
      }
      syntax(cur_, "unexpected " + describe(cur_) + " after the end of the expression");
      skip_to_boundary();
      if (cur_.kind != Tok::End && cur_.kind != Tok::And && cur_.kind != Tok::Or) advance();
    }
    r.ok = !had_error_;
    return r;
  }

 private:
  void advance() { cur_ = lex_.next(); }

  std::string describe(const Token& t) const {
    if (t.kind == Tok::End) return "end of expression";
    return quote_snippet(text_, t.begin, t.end);
  }

  void syntax(const Token& at, std::string msg) {
    had_error_ = true;
    if (at.kind == Tok::Error) {
      // A lexer error: its own message wins.
      if (at.s == "bad_cidr") {
        add("bad_cidr",
            "bad CIDR " + quote_snippet(text_, at.begin, at.end) +
                ": expected address/length with the host bits zero, e.g. "
                "192.0.2.0/24 or 2001:db8::/32",
            at.begin);
      } else {
        add("syntax", at.s + " at " + quote_snippet(text_, at.begin, at.end), at.begin);
      }
      return;
    }
    add("syntax", std::move(msg), at.begin);
  }

  void add(std::string code, std::string msg, std::uint32_t offset) {
    // One diagnostic per offset is enough; recovery can revisit a token.
    for (const auto& d : diags_) {
      if (d.offset == offset && d.code == code) return;
    }
    diags_.push_back(Diagnostic{std::move(code), std::move(msg), offset});
  }

  std::unique_ptr<Ast> node(AstKind k, std::uint32_t begin, std::uint32_t end) {
    auto a = std::make_unique<Ast>();
    a->kind = k;
    a->begin = begin;
    a->end = end;
    return a;
  }

  // Recomputes n's height from its kids; a tree taller than kMaxDepth stops the parse
  // (recursion in the compiler and in evaluation is bounded by the height).
  void grow(Ast& n) {
    for (const auto& k : n.kids) n.depth = std::max(n.depth, k->depth + 1);
    if (n.depth > kMaxDepth) {
      depth_ = kMaxDepth + 1;
      (void)too_deep();
    }
  }

  std::unique_ptr<Ast> error_node(const Token& at) {
    return node(AstKind::Error, at.begin, at.end);
  }

  // Skips tokens until an `and`/`or` (or a closer of an enclosing group) at the current
  // nesting level, or the end.
  void skip_to_boundary() {
    int depth = 0;
    while (cur_.kind != Tok::End) {
      if (depth == 0 &&
          (cur_.kind == Tok::And || cur_.kind == Tok::Or || cur_.kind == Tok::RParen ||
           cur_.kind == Tok::RBrack || cur_.kind == Tok::Comma)) {
        return;
      }
      if (cur_.kind == Tok::LParen || cur_.kind == Tok::LBrack) ++depth;
      if (cur_.kind == Tok::RParen || cur_.kind == Tok::RBrack) --depth;
      advance();
    }
  }

  struct DepthGuard {
    explicit DepthGuard(int& d) : d_(d) { ++d_; }
    ~DepthGuard() { --d_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& d_;
  };

  bool too_deep() {
    if (depth_ <= kMaxDepth) return false;
    if (!fatal_) {
      had_error_ = true;
      add("too_complex",
          "expression nested more than " + std::to_string(kMaxDepth) + " levels deep at " +
              describe(cur_),
          cur_.begin);
    }
    fatal_ = true;
    return true;
  }

  std::unique_ptr<Ast> parse_or() {
    DepthGuard g(depth_);
    if (too_deep()) return error_node(cur_);
    auto first = parse_and();
    if (cur_.kind != Tok::Or) return first;
    auto n = node(AstKind::Or, first->begin, first->end);
    n->kids.push_back(std::move(first));
    while (cur_.kind == Tok::Or && !fatal_) {
      advance();
      auto k = parse_and();
      n->end = k->end;
      n->kids.push_back(std::move(k));
    }
    grow(*n);
    return n;
  }

  std::unique_ptr<Ast> parse_and() {
    auto first = parse_clause();
    if (cur_.kind != Tok::And) return first;
    auto n = node(AstKind::And, first->begin, first->end);
    n->kids.push_back(std::move(first));
    while (cur_.kind == Tok::And && !fatal_) {
      advance();
      auto k = parse_clause();
      n->end = k->end;
      n->kids.push_back(std::move(k));
    }
    grow(*n);
    return n;
  }

  // One operand of and/or; on a syntax error inside it, skips to the next boundary.
  std::unique_ptr<Ast> parse_clause() {
    std::size_t before = diags_.size();
    auto n = parse_not();
    if (fatal_) return n;
    if (diags_.size() == before && cur_.kind != Tok::End && cur_.kind != Tok::And &&
        cur_.kind != Tok::Or && cur_.kind != Tok::RParen && cur_.kind != Tok::RBrack &&
        cur_.kind != Tok::Comma) {
      // Something follows a complete clause: the clause was cut short (`method = "POST"`,
      // `a == 1 b == 2`), so it is not checked further.
      syntax(cur_, "unexpected " + describe(cur_) + "; expected 'and', 'or' or the end");
      n = error_node(cur_);
    }
    if (diags_.size() != before) skip_to_boundary();
    return n;
  }

  std::unique_ptr<Ast> parse_not() {
    if (cur_.kind != Tok::Not) return parse_cmp();
    DepthGuard g(depth_);
    if (too_deep()) return error_node(cur_);
    Token op = cur_;
    advance();
    auto inner = parse_not();
    auto n = node(AstKind::Not, op.begin, inner->end);
    n->op_offset = op.begin;
    n->kids.push_back(std::move(inner));
    grow(*n);
    return n;
  }

  std::unique_ptr<Ast> parse_cmp() {
    auto lhs = parse_add();
    if (lhs->kind == AstKind::Error) return lhs;
    Token op = cur_;
    bool negated = false;
    if (cur_.kind == Tok::Not) {
      negated = true;
      advance();
      if (cur_.kind != Tok::In && cur_.kind != Tok::StartsWith && cur_.kind != Tok::EndsWith &&
          cur_.kind != Tok::Contains && cur_.kind != Tok::Match) {
        syntax(cur_,
               "expected 'in', 'startswith', 'endswith', 'contains' or '~' after 'not', "
               "found " +
                   describe(cur_));
        return error_node(op);
      }
    }
    BinOp bop{};
    switch (cur_.kind) {
      case Tok::Eq:
        bop = BinOp::Eq;
        break;
      case Tok::Ne:
        bop = BinOp::Ne;
        break;
      case Tok::Lt:
        bop = BinOp::Lt;
        break;
      case Tok::Le:
        bop = BinOp::Le;
        break;
      case Tok::Gt:
        bop = BinOp::Gt;
        break;
      case Tok::Ge:
        bop = BinOp::Ge;
        break;
      case Tok::In:
        bop = BinOp::In;
        break;
      case Tok::StartsWith:
        bop = BinOp::StartsWith;
        break;
      case Tok::EndsWith:
        bop = BinOp::EndsWith;
        break;
      case Tok::Contains:
        bop = BinOp::Contains;
        break;
      case Tok::Match:
        bop = BinOp::Match;
        break;
      case Tok::NotMatch:
        bop = BinOp::Match;
        negated = true;
        break;
      default:
        return lhs;
    }
    advance();
    auto rhs = parse_add();
    auto n = node(AstKind::Binary, lhs->begin, rhs->end);
    n->op = bop;
    n->negated = negated;
    n->op_offset = op.begin;
    n->kids.push_back(std::move(lhs));
    n->kids.push_back(std::move(rhs));
    grow(*n);
    if (!fatal_ && is_cmp_token(cur_.kind) && rhs_ok(*n)) {
      syntax(cur_, "comparisons do not chain: " + describe(cur_) +
                       " after a comparison; join them with 'and'");
      return error_node(cur_);
    }
    return n;
  }

  static bool rhs_ok(const Ast& n) { return n.kids[1]->kind != AstKind::Error; }

  static bool is_cmp_token(Tok k) {
    switch (k) {
      case Tok::Eq:
      case Tok::Ne:
      case Tok::Lt:
      case Tok::Le:
      case Tok::Gt:
      case Tok::Ge:
      case Tok::In:
      case Tok::StartsWith:
      case Tok::EndsWith:
      case Tok::Contains:
      case Tok::Match:
      case Tok::NotMatch:
        return true;
      default:
        return false;
    }
  }

  std::unique_ptr<Ast> binary(std::unique_ptr<Ast> lhs, const Token& op, BinOp bop,
                              std::unique_ptr<Ast> rhs) {
    auto n = node(AstKind::Binary, lhs->begin, rhs->end);
    n->op = bop;
    n->op_offset = op.begin;
    n->kids.push_back(std::move(lhs));
    n->kids.push_back(std::move(rhs));
    grow(*n);
    return n;
  }

  std::unique_ptr<Ast> parse_add() {
    auto lhs = parse_mul();
    while ((cur_.kind == Tok::Plus || cur_.kind == Tok::Minus) && !fatal_) {
      if (lhs->kind == AstKind::Error) return lhs;
      Token op = cur_;
      advance();
      auto rhs = parse_mul();
      lhs = binary(std::move(lhs), op, op.kind == Tok::Plus ? BinOp::Add : BinOp::Sub,
                   std::move(rhs));
    }
    return lhs;
  }

  std::unique_ptr<Ast> parse_mul() {
    auto lhs = parse_unary();
    while ((cur_.kind == Tok::Star || cur_.kind == Tok::Slash) && !fatal_) {
      if (lhs->kind == AstKind::Error) return lhs;
      Token op = cur_;
      advance();
      auto rhs = parse_unary();
      lhs = binary(std::move(lhs), op, op.kind == Tok::Star ? BinOp::Mul : BinOp::Div,
                   std::move(rhs));
    }
    return lhs;
  }

  std::unique_ptr<Ast> parse_unary() {
    if (cur_.kind != Tok::Minus) return parse_primary();
    DepthGuard g(depth_);
    if (too_deep()) return error_node(cur_);
    Token op = cur_;
    advance();
    auto inner = parse_unary();
    auto n = node(AstKind::Neg, op.begin, inner->end);
    n->op_offset = op.begin;
    n->kids.push_back(std::move(inner));
    grow(*n);
    return n;
  }

  std::unique_ptr<Ast> parse_primary() {
    if (fatal_) return error_node(cur_);
    Token t = cur_;
    switch (t.kind) {
      case Tok::Int: {
        advance();
        auto n = node(AstKind::Int, t.begin, t.end);
        n->i = t.i;
        return n;
      }
      case Tok::Num: {
        advance();
        auto n = node(AstKind::Num, t.begin, t.end);
        n->d = t.d;
        return n;
      }
      case Tok::Str: {
        advance();
        auto n = node(AstKind::Str, t.begin, t.end);
        n->s = std::move(t.s);
        return n;
      }
      case Tok::True:
      case Tok::False: {
        advance();
        auto n = node(AstKind::Bool, t.begin, t.end);
        n->b = t.kind == Tok::True;
        return n;
      }
      case Tok::Ip: {
        advance();
        auto n = node(AstKind::Ip, t.begin, t.end);
        n->ip = t.ip;
        return n;
      }
      case Tok::Net: {
        advance();
        auto n = node(AstKind::Net, t.begin, t.end);
        n->ip = t.ip;
        n->prefix_len = t.prefix_len;
        return n;
      }
      case Tok::Param: {
        advance();
        auto n = node(AstKind::Param, t.begin, t.end);
        n->s = std::move(t.s);
        return n;
      }
      case Tok::Ident: {
        advance();
        if (cur_.kind != Tok::LParen) {
          auto n = node(AstKind::Field, t.begin, t.end);
          n->s = std::move(t.s);
          return n;
        }
        auto n = node(AstKind::Call, t.begin, t.end);
        n->s = std::move(t.s);
        advance();  // (
        if (!parse_items(*n, Tok::RParen, "function arguments")) return error_node(t);
        grow(*n);
        return n;
      }
      case Tok::LBrack: {
        advance();
        auto n = node(AstKind::List, t.begin, t.end);
        if (!parse_items(*n, Tok::RBrack, "list")) return error_node(t);
        grow(*n);
        return n;
      }
      case Tok::LParen: {
        advance();
        auto inner = parse_or();
        if (inner->kind == AstKind::Error) return inner;
        if (cur_.kind != Tok::RParen) {
          syntax(cur_, "expected ')' to close the '(' at offset " + std::to_string(t.begin) +
                           ", found " + describe(cur_));
          return error_node(t);
        }
        advance();
        return inner;  // parentheses only group; spans stay those of the inside
      }
      case Tok::Error:
        syntax(t, "");
        advance();
        return error_node(t);
      default:
        syntax(t,
               "expected a value (field, number, string, list, function call, $param or "
               "'('), found " +
                   describe(t));
        return error_node(t);
    }
  }

  // Parses `item, item, ...` up to closer (already past the opener). Sets n.end.
  bool parse_items(Ast& n, Tok closer, const char* what) {
    DepthGuard g(depth_);
    if (too_deep()) return false;
    if (cur_.kind == closer) {
      n.end = cur_.end;
      advance();
      return true;
    }
    for (;;) {
      auto item = parse_or();
      if (item->kind == AstKind::Error) return false;
      n.kids.push_back(std::move(item));
      if (cur_.kind == Tok::Comma) {
        advance();
        continue;
      }
      if (cur_.kind == closer) {
        n.end = cur_.end;
        advance();
        return true;
      }
      syntax(cur_, std::string("expected ',' or '") + (closer == Tok::RParen ? ")" : "]") +
                       "' in " + what + ", found " + describe(cur_));
      return false;
    }
  }

  std::string_view text_;
  Lexer lex_;
  std::vector<Diagnostic>& diags_;
  Token cur_;
  int depth_ = 0;
  bool had_error_ = false;
  bool fatal_ = false;
};

int precedence(const Ast& a) {
  switch (a.kind) {
    case AstKind::Or:
      return 1;
    case AstKind::And:
      return 2;
    case AstKind::Not:
      return 3;
    case AstKind::Binary:
      switch (a.op) {
        case BinOp::Add:
        case BinOp::Sub:
          return 5;
        case BinOp::Mul:
        case BinOp::Div:
          return 6;
        default:
          return 4;
      }
    case AstKind::Neg:
      return 7;
    default:
      return 8;
  }
}

void print(const Ast& a, std::string& out);

void print_child(const Ast& child, int parent_prec, bool right, std::string& out) {
  int p = precedence(child);
  bool parens = p < parent_prec || (right && p == parent_prec && p >= 4);
  if (parens) out.push_back('(');
  print(child, out);
  if (parens) out.push_back(')');
}

void print(const Ast& a, std::string& out) {
  switch (a.kind) {
    case AstKind::Error:
      out += "<error>";
      return;
    case AstKind::Bool:
      out += a.b ? "true" : "false";
      return;
    case AstKind::Int:
      out += std::to_string(a.i);
      return;
    case AstKind::Num: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, a.d);
      out.append(buf, r.ptr);
      return;
    }
    case AstKind::Str:
      out.push_back('"');
      for (char c : a.s) {
        if (c == '"') out.push_back('\\');
        out.push_back(c);
      }
      out.push_back('"');
      return;
    case AstKind::Ip:
      a.ip.append_to(out);
      return;
    case AstKind::Net:
      a.ip.append_to(out);
      out.push_back('/');
      out += std::to_string(a.ip.is_v4() ? a.prefix_len - 96 : a.prefix_len);
      return;
    case AstKind::Field:
      out += a.s;
      return;
    case AstKind::Param:
      out += '$';
      out += a.s;
      return;
    case AstKind::List:
    case AstKind::Call: {
      if (a.kind == AstKind::Call) out += a.s;
      out.push_back(a.kind == AstKind::Call ? '(' : '[');
      for (std::size_t k = 0; k < a.kids.size(); ++k) {
        if (k != 0) out += ", ";
        print(*a.kids[k], out);
      }
      out.push_back(a.kind == AstKind::Call ? ')' : ']');
      return;
    }
    case AstKind::Not:
      out += "not ";
      print_child(*a.kids[0], precedence(a), false, out);
      return;
    case AstKind::Neg:
      out += "-";
      print_child(*a.kids[0], precedence(a), false, out);
      return;
    case AstKind::And:
    case AstKind::Or:
      for (std::size_t k = 0; k < a.kids.size(); ++k) {
        if (k != 0) out += a.kind == AstKind::And ? " and " : " or ";
        print_child(*a.kids[k], precedence(a), false, out);
      }
      return;
    case AstKind::Binary: {
      print_child(*a.kids[0], precedence(a), false, out);
      out.push_back(' ');
      if (a.negated) out += a.op == BinOp::Match ? "!" : "not ";
      out += binop_text(a.op);
      out.push_back(' ');
      print_child(*a.kids[1], precedence(a), true, out);
      return;
    }
  }
}

}  // namespace

std::string_view binop_text(BinOp op) noexcept {
  switch (op) {
    case BinOp::Eq:
      return "==";
    case BinOp::Ne:
      return "!=";
    case BinOp::Lt:
      return "<";
    case BinOp::Le:
      return "<=";
    case BinOp::Gt:
      return ">";
    case BinOp::Ge:
      return ">=";
    case BinOp::In:
      return "in";
    case BinOp::StartsWith:
      return "startswith";
    case BinOp::EndsWith:
      return "endswith";
    case BinOp::Contains:
      return "contains";
    case BinOp::Match:
      return "~";
    case BinOp::Add:
      return "+";
    case BinOp::Sub:
      return "-";
    case BinOp::Mul:
      return "*";
    case BinOp::Div:
      return "/";
  }
  return "?";
}

ParseResult parse(std::string_view text, std::vector<Diagnostic>& diags) {
  if (text.size() > kMaxExprBytes) {
    diags.push_back(Diagnostic{"too_complex",
                               "expression is " + std::to_string(text.size()) +
                                   " bytes long; the limit is " + std::to_string(kMaxExprBytes),
                               0});
    ParseResult r;
    r.root = std::make_unique<Ast>();
    r.ok = false;
    return r;
  }
  Parser p(text, diags);
  return p.run();
}

std::string to_text(const Ast& a) {
  std::string out;
  print(a, out);
  return out;
}

std::string normalize_space(std::string_view text) {
  std::string out;
  bool in_str = false;
  bool pending_space = false;
  for (std::size_t k = 0; k < text.size(); ++k) {
    char c = text[k];
    if (in_str) {
      out.push_back(c);
      if (c == '\\' && k + 1 < text.size()) {
        out.push_back(text[++k]);
      } else if (c == '"') {
        in_str = false;
      }
      continue;
    }
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
    if (c == '"') in_str = true;
  }
  return out;
}

bool parse_number_literal(std::string_view text, bool& is_int, std::int64_t& i, double& d) {
  bool neg = false;
  if (!text.empty() && text[0] == '-') {
    neg = true;
    text.remove_prefix(1);
  }
  if (text.empty() || !is_digit(text[0])) return false;
  std::size_t used = 0;
  std::string err;
  if (!read_number(text, used, is_int, i, d, err) || used != text.size()) return false;
  if (neg) {
    i = -i;
    d = -d;
  }
  return true;
}

bool parse_cidr(std::string_view text, core::IpAddress& net, std::uint8_t& len) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  auto ip = core::IpAddress::parse(text.substr(0, slash));
  if (!ip) return false;
  std::string_view ls = text.substr(slash + 1);
  unsigned v = 0;
  auto r = std::from_chars(ls.data(), ls.data() + ls.size(), v);
  if (r.ec != std::errc{} || r.ptr != ls.data() + ls.size() || ls.empty()) return false;
  // An IPv4 network is stored as ::ffff:a.b.c.d, so its length counts from bit 96. A
  // v4-mapped address written in IPv6 form keeps its IPv6 length.
  bool v4_text = text.substr(0, slash).find(':') == std::string_view::npos;
  unsigned full = v4_text ? v + 96 : v;
  if ((v4_text && v > 32) || full > 128) return false;
  // Host bits must be zero: "192.0.2.5/24" is almost always a typo for a host or a net.
  const auto& bytes = ip->bytes();
  for (unsigned bit = full; bit < 128; ++bit) {
    if ((bytes[bit / 8] >> (7 - bit % 8)) & 1u) return false;
  }
  net = *ip;
  len = static_cast<std::uint8_t>(full);
  return true;
}

std::string quote_snippet(std::string_view text, std::uint32_t begin, std::uint32_t end) {
  if (begin > text.size()) begin = static_cast<std::uint32_t>(text.size());
  if (end > text.size() || end < begin) end = static_cast<std::uint32_t>(text.size());
  std::string_view s = text.substr(begin, end - begin);
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  if (s.size() > kMax) {
    std::size_t cut = kMax;
    // Do not cut a UTF-8 sequence in half.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out.append(s.substr(0, cut));
    out += "...";
  } else {
    out.append(s);
  }
  out.push_back('\'');
  return out;
}

}  // namespace bannin::ruleset::detail
