// Compiler of the rule expression language: syntax tree (expr_parser.cpp) -> typed node
// tree (expr_nodes.h), with type checking that reports every problem it finds. Runs once per
// rule load on the loading thread; the compiled Predicate / Condition is immutable and may be
// evaluated from any number of threads.
//
// Types: bool, int (also durations and timestamps, in ns), number (double), string, ip,
// cidr (literals only), list (literals and $lists only). A $parameter is text until it meets
// the other operand: `status >= $min` reads $min as a number, `src_ip in $allow` reads each
// item as an address or CIDR.
#include <algorithm>
#include <limits>
#include <type_traits>

#include <bannin/model/fields.h>
#include <bannin/ruleset/expr.h>
#include <bannin/ruleset/expr_ast.h>
#include <bannin/ruleset/expr_nodes.h>

namespace bannin::ruleset {
namespace detail {
namespace {

enum class Ty : std::uint8_t { Error, Bool, Int, Num, Str, Ip, Net, List, Param };

std::string_view ty_name(Ty t) {
  switch (t) {
    case Ty::Error:
      return "error";
    case Ty::Bool:
      return "bool";
    case Ty::Int:
      return "int";
    case Ty::Num:
      return "number";
    case Ty::Str:
      return "string";
    case Ty::Ip:
      return "ip";
    case Ty::Net:
      return "cidr";
    case Ty::List:
      return "list";
    case Ty::Param:
      return "parameter";
  }
  return "?";
}

bool numeric(Ty t) {
  return t == Ty::Int || t == Ty::Num;
}

/// What a $parameter's text should be read as.
enum class Want : std::uint8_t { Bool, Numeric, Str, Ip, IpOrNet, Any };

std::string_view want_name(Want w) {
  switch (w) {
    case Want::Bool:
      return "true or false";
    case Want::Numeric:
      return "a number";
    case Want::Str:
      return "a string";
    case Want::Ip:
      return "an IP address";
    case Want::IpOrNet:
      return "an IP address or CIDR";
    case Want::Any:
      return "a value";
  }
  return "?";
}

Want want_for(Ty t) {
  switch (t) {
    case Ty::Bool:
      return Want::Bool;
    case Ty::Int:
    case Ty::Num:
      return Want::Numeric;
    case Ty::Str:
      return Want::Str;
    case Ty::Ip:
      return Want::Ip;
    case Ty::Net:
      return Want::IpOrNet;
    default:
      return Want::Any;
  }
}

/// A compile-time constant: a literal, a list item or a parameter's value.
struct Scalar {
  Ty ty = Ty::Error;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  core::IpAddress ip;
  unsigned len = 128;  ///< Net: prefix length in IPv6 bits
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  [[nodiscard]] double as_double() const { return ty == Ty::Int ? static_cast<double>(i) : d; }
};

bool scalar_from_text(std::string_view text, Want w, Scalar& out) {
  auto as_bool = [&] {
    if (text != "true" && text != "false") return false;
    out.ty = Ty::Bool;
    out.b = text == "true";
    return true;
  };
  auto as_number = [&] {
    bool is_int = false;
    if (!parse_number_literal(text, is_int, out.i, out.d)) return false;
    out.ty = is_int ? Ty::Int : Ty::Num;
    return true;
  };
  auto as_ip = [&] {
    auto ip = core::IpAddress::parse(text);
    if (!ip) return false;
    out.ty = Ty::Ip;
    out.ip = *ip;
    return true;
  };
  auto as_net = [&] {
    std::uint8_t len = 0;
    if (!parse_cidr(text, out.ip, len)) return false;
    out.ty = Ty::Net;
    out.len = len;
    return true;
  };
  switch (w) {
    case Want::Bool:
      return as_bool();
    case Want::Numeric:
      return as_number();
    case Want::Str:
      out.ty = Ty::Str;
      out.s = std::string(text);
      return true;
    case Want::Ip:
      return as_ip();
    case Want::IpOrNet:
      return as_ip() || as_net();
    case Want::Any:
      if (as_bool() || as_number() || as_ip() || as_net()) return true;
      out.ty = Ty::Str;
      out.s = std::string(text);
      return true;
  }
  return false;
}

/// The result of compiling one subtree: its type plus either a constant, a list of
/// constants, an unresolved $parameter, or a node.
template <class Ctx>
struct Typed {
  Ty ty = Ty::Error;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool is_const = false;
  Scalar k;                           // is_const
  std::vector<Scalar> items;          // List
  const ParamValue* param = nullptr;  // Param
  std::string param_name;
  BoolPtr<Ctx> clause;     // Bool: a total clause...
  ValPtr<Ctx, bool> bval;  // ...or a bool value that may be absent
  ValPtr<Ctx, std::int64_t> ival;
  ValPtr<Ctx, double> nval;
  ValPtr<Ctx, std::string_view> sval;
  ValPtr<Ctx, core::IpAddress> ipval;
};

class PredicateImpl final : public Predicate {
 public:
  PredicateImpl(BoolPtr<model::Event> root, std::vector<model::Field> fields, bool uses_arena)
      : root_(std::move(root)), fields_(std::move(fields)), uses_arena_(uses_arena) {}
  bool eval(const model::Event& ev) const noexcept override {
    if (!uses_arena_) return root_->eval(ev);
    EvalArena::Scope scope;
    return root_->eval(ev);
  }
  std::vector<model::Field> fields() const override { return fields_; }

 private:
  BoolPtr<model::Event> root_;
  std::vector<model::Field> fields_;
  bool uses_arena_;
};

class ConditionImpl final : public Condition {
 public:
  ConditionImpl(BoolPtr<CondCtx> root, bool uses_arena)
      : root_(std::move(root)), uses_arena_(uses_arena) {}
  bool eval(std::span<const double> values) const noexcept override {
    CondCtx c{values};
    if (!uses_arena_) return root_->eval(c);
    EvalArena::Scope scope;
    return root_->eval(c);
  }
  bool eval(AggregateValues& values) const noexcept override {
    CondCtx c{{}, &values};
    if (!uses_arena_) return root_->eval(c);
    EvalArena::Scope scope;
    return root_->eval(c);
  }

 private:
  BoolPtr<CondCtx> root_;
  bool uses_arena_;
};

struct PendingAggregate {
  AggregateSpec spec;
  std::string text;
  AggSlot* node = nullptr;
};

CmpOp cmp_op(BinOp op) {
  switch (op) {
    case BinOp::Eq:
      return CmpOp::Eq;
    case BinOp::Ne:
      return CmpOp::Ne;
    case BinOp::Lt:
      return CmpOp::Lt;
    case BinOp::Le:
      return CmpOp::Le;
    case BinOp::Gt:
      return CmpOp::Gt;
    default:
      return CmpOp::Ge;
  }
}

// a OP b  ==  b FLIP(OP) a
CmpOp flip(CmpOp op) {
  switch (op) {
    case CmpOp::Lt:
      return CmpOp::Gt;
    case CmpOp::Le:
      return CmpOp::Ge;
    case CmpOp::Gt:
      return CmpOp::Lt;
    case CmpOp::Ge:
      return CmpOp::Le;
    default:
      return op;
  }
}

constexpr std::string_view kFunctions =
    "country, asn, prefix, lower, len; aggregates: count, distinct, share, sum, rate, min, max, "
    "baseline, deviation";

bool is_aggregate(std::string_view n) {
  return n == "count" || n == "distinct" || n == "share" || n == "sum" || n == "rate" ||
         n == "min" || n == "max" || n == "baseline" || n == "deviation";
}

template <class Ctx>
class Compiler {
 public:
  static constexpr bool kEvent = std::is_same_v<Ctx, model::Event>;

  Compiler(std::string_view text, const CompileEnv& env, std::vector<Diagnostic>& diags)
      : text_(text), env_(env), diags_(diags) {}

  std::vector<model::Field> fields;  // read by the compiled tree, sorted, unique
  bool uses_arena = false;
  std::vector<PendingAggregate> pending;  // Condition mode

  std::vector<model::Field> sorted_fields() const {
    auto f = fields;
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
    return f;
  }

  Typed<Ctx> compile(const Ast& a) {
    switch (a.kind) {
      case AstKind::Error:
        return error(a);
      case AstKind::Bool: {
        Scalar s = lit(a, Ty::Bool);
        s.b = a.b;
        return konst(std::move(s));
      }
      case AstKind::Int: {
        Scalar s = lit(a, Ty::Int);
        s.i = a.i;
        return konst(std::move(s));
      }
      case AstKind::Num: {
        Scalar s = lit(a, Ty::Num);
        s.d = a.d;
        return konst(std::move(s));
      }
      case AstKind::Str: {
        Scalar s = lit(a, Ty::Str);
        s.s = a.s;
        return konst(std::move(s));
      }
      case AstKind::Ip: {
        Scalar s = lit(a, Ty::Ip);
        s.ip = a.ip;
        return konst(std::move(s));
      }
      case AstKind::Net: {
        Scalar s = lit(a, Ty::Net);
        s.ip = a.ip;
        s.len = a.prefix_len;
        return konst(std::move(s));
      }
      case AstKind::Field:
        return field(a);
      case AstKind::Param:
        return param(a);
      case AstKind::List:
        return list(a);
      case AstKind::Call:
        return call(a);
      case AstKind::Not: {
        auto t = compile(*a.kids[0]);
        if (t.ty == Ty::Error) return error(a);
        auto c = to_clause(t, "type_mismatch", "'not'");
        if (!c) return error(a);
        return clause(a, std::make_unique<NotNode<Ctx>>(std::move(c)));
      }
      case AstKind::Neg:
        return negate(a);
      case AstKind::And:
      case AstKind::Or:
        return logic(a);
      case AstKind::Binary:
        switch (a.op) {
          case BinOp::Eq:
          case BinOp::Ne:
          case BinOp::Lt:
          case BinOp::Le:
          case BinOp::Gt:
          case BinOp::Ge:
            return comparison(a);
          case BinOp::In:
            return membership(a);
          case BinOp::StartsWith:
          case BinOp::EndsWith:
          case BinOp::Contains:
            return string_op(a);
          case BinOp::Match:
            return regex(a);
          case BinOp::Add:
          case BinOp::Sub:
          case BinOp::Mul:
          case BinOp::Div:
            return arithmetic(a);
        }
    }
    return error(a);
  }

  /// Turns a bool-typed result into a clause; otherwise reports `code` and returns null.
  BoolPtr<Ctx> to_clause(Typed<Ctx>& t, const char* code, std::string_view where) {
    if (t.ty == Ty::Error) return nullptr;
    if (t.ty == Ty::Param && !resolve(t, Want::Bool)) return nullptr;
    if (t.ty != Ty::Bool) {
      std::string msg;
      if (std::string_view(code) == "not_boolean") {
        msg = "the expression must be a condition (true or false), but " + describe(t) + " is " +
              std::string(article(t.ty)) + " " + std::string(ty_name(t.ty));
      } else {
        msg = std::string(where) + " needs a condition (true or false), found " + describe(t);
      }
      diag(code, std::move(msg), t.begin);
      return nullptr;
    }
    if (t.is_const) return std::make_unique<ConstBool<Ctx>>(t.k.b);
    if (t.clause) return std::move(t.clause);
    return std::make_unique<Truthy<Ctx>>(std::move(t.bval));
  }

 private:
  // ---- helpers ----------------------------------------------------------------------------

  void diag(std::string code, std::string msg, std::uint32_t offset) {
    diags_.push_back(Diagnostic{std::move(code), std::move(msg), offset});
  }

  std::string snippet(std::uint32_t b, std::uint32_t e) const { return quote_snippet(text_, b, e); }

  static std::string_view article(Ty t) {
    return t == Ty::Int || t == Ty::Ip || t == Ty::Error ? "an" : "a";
  }

  std::string describe(const Typed<Ctx>& t) const {
    return std::string(ty_name(t.ty)) + " " + snippet(t.begin, t.end);
  }

  Typed<Ctx> error(const Ast& a) {
    Typed<Ctx> t;
    t.begin = a.begin;
    t.end = a.end;
    return t;
  }

  Typed<Ctx> start(const Ast& a, Ty ty) {
    Typed<Ctx> t;
    t.ty = ty;
    t.begin = a.begin;
    t.end = a.end;
    return t;
  }

  static Scalar lit(const Ast& a, Ty ty) {
    Scalar s;
    s.ty = ty;
    s.begin = a.begin;
    s.end = a.end;
    return s;
  }

  // `s` is moved into the node; clang-tidy 14 misses the move in a class template.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  Typed<Ctx> konst(Scalar s) {
    Typed<Ctx> t;
    t.ty = s.ty;
    t.begin = s.begin;
    t.end = s.end;
    t.is_const = true;
    t.k = std::move(s);
    return t;
  }

  Typed<Ctx> clause(const Ast& a, BoolPtr<Ctx> c) {
    auto t = start(a, Ty::Bool);
    t.clause = std::move(c);
    return t;
  }

  /// Reads an unresolved $parameter as a scalar of the wanted kind.
  bool resolve(Typed<Ctx>& t, Want w) {
    if (t.ty != Ty::Param) return true;
    const ParamValue& p = *t.param;
    if (p.is_list || p.items.size() != 1) {
      diag("type_mismatch",
           "parameter $" + t.param_name +
               " is a list; a list can only be used on the right of "
               "'in' (or of startswith/endswith/contains)",
           t.begin);
      t.ty = Ty::Error;
      return false;
    }
    Scalar s;
    if (!scalar_from_text(p.items[0], w, s)) {
      diag("type_mismatch",
           "parameter $" + t.param_name + " = '" + p.items[0] + "' is not " +
               std::string(want_name(w)),
           t.begin);
      t.ty = Ty::Error;
      return false;
    }
    s.begin = t.begin;
    s.end = t.end;
    t = konst(std::move(s));
    return true;
  }

  /// A quoted string where an address is expected: read it as one if it is one.
  static void coerce_str_to_ip(Typed<Ctx>& t) {
    if (t.ty != Ty::Str || !t.is_const) return;
    auto ip = core::IpAddress::parse(t.k.s);
    if (!ip) return;
    t.ty = Ty::Ip;
    t.k.ty = Ty::Ip;
    t.k.ip = *ip;
  }

  ValPtr<Ctx, std::int64_t> int_node(Typed<Ctx>& t) {
    if (t.is_const) return std::make_unique<ConstVal<Ctx, std::int64_t>>(t.k.i);
    return std::move(t.ival);
  }
  ValPtr<Ctx, double> num_node(Typed<Ctx>& t) {
    if (t.ty == Ty::Int) {
      if (t.is_const) return std::make_unique<ConstVal<Ctx, double>>(t.k.as_double());
      return std::make_unique<IntToNum<Ctx>>(std::move(t.ival));
    }
    if (t.is_const) return std::make_unique<ConstVal<Ctx, double>>(t.k.d);
    return std::move(t.nval);
  }
  ValPtr<Ctx, std::string_view> str_node(Typed<Ctx>& t) {
    if (t.is_const) return std::make_unique<ConstStr<Ctx>>(t.k.s);
    return std::move(t.sval);
  }
  ValPtr<Ctx, core::IpAddress> ip_node(Typed<Ctx>& t) {
    if (t.is_const) return std::make_unique<ConstVal<Ctx, core::IpAddress>>(t.k.ip);
    return std::move(t.ipval);
  }
  ValPtr<Ctx, bool> bool_node(Typed<Ctx>& t) {
    if (t.is_const) return std::make_unique<ConstVal<Ctx, bool>>(t.k.b);
    if (t.clause) return std::make_unique<AsValue<Ctx>>(std::move(t.clause));
    return std::move(t.bval);
  }

  // ---- leaves -----------------------------------------------------------------------------

  Typed<Ctx> field(const Ast& a) {
    auto f = model::field_by_name(a.s);
    if (!f) {
      std::string msg = "unknown field " + snippet(a.begin, a.end);
      if (is_aggregate(a.s) || a.s == "country" || a.s == "lower" || a.s == "len" ||
          a.s == "prefix") {
        msg += "; " + a.s + " is a function, write " + a.s + "(...)";
      } else {
        msg += " (`bannin fields` lists them)";
      }
      diag("unknown_field", std::move(msg), a.begin);
      return error(a);
    }
    if constexpr (kEvent) {
      fields.push_back(*f);
      switch (model::type(*f)) {
        case model::FieldType::String: {
          auto t = start(a, Ty::Str);
          t.sval = std::make_unique<FieldStr>(*f);
          return t;
        }
        case model::FieldType::Int:
        case model::FieldType::Duration:
        case model::FieldType::Timestamp: {
          auto t = start(a, Ty::Int);
          if (*f == model::Field::Ts) {
            t.ival = std::make_unique<FieldTs>();
          } else {
            t.ival = std::make_unique<FieldInt>(*f);
          }
          return t;
        }
        case model::FieldType::Bool: {
          auto t = start(a, Ty::Bool);
          t.bval = std::make_unique<FieldBool>(*f);
          return t;
        }
        case model::FieldType::Ip: {
          auto t = start(a, Ty::Ip);
          t.ipval = std::make_unique<FieldIp>(*f);
          return t;
        }
      }
      return error(a);
    } else {
      diag("field_in_condition",
           "field " + snippet(a.begin, a.end) +
               " cannot be used directly in a fire condition, only inside an aggregate such "
               "as distinct(" +
               a.s + ")",
           a.begin);
      return error(a);
    }
  }

  Typed<Ctx> param(const Ast& a) {
    const ParamValue* p = nullptr;
    if (env_.params != nullptr) {
      auto it = env_.params->find(a.s);
      if (it != env_.params->end()) p = &it->second;
    }
    if (p == nullptr) {
      diag("unknown_param",
           "unknown parameter " + snippet(a.begin, a.end) + " (declare it in the rule's params)",
           a.begin);
      return error(a);
    }
    auto t = start(a, Ty::Param);
    t.param = p;
    t.param_name = a.s;
    return t;
  }

  Typed<Ctx> list(const Ast& a) {
    auto t = start(a, Ty::List);
    bool bad = false;
    for (const auto& kid : a.kids) {
      const Ast* k = kid.get();
      bool neg = false;
      if (k->kind == AstKind::Neg &&
          (k->kids[0]->kind == AstKind::Int || k->kids[0]->kind == AstKind::Num)) {
        neg = true;
        k = k->kids[0].get();
      }
      Scalar s;
      s.begin = kid->begin;
      s.end = kid->end;
      switch (k->kind) {
        case AstKind::Bool:
          s.ty = Ty::Bool;
          s.b = k->b;
          break;
        case AstKind::Int:
          s.ty = Ty::Int;
          s.i = neg ? -k->i : k->i;
          break;
        case AstKind::Num:
          s.ty = Ty::Num;
          s.d = neg ? -k->d : k->d;
          break;
        case AstKind::Str:
          s.ty = Ty::Str;
          s.s = k->s;
          break;
        case AstKind::Ip:
          s.ty = Ty::Ip;
          s.ip = k->ip;
          break;
        case AstKind::Net:
          s.ty = Ty::Net;
          s.ip = k->ip;
          s.len = k->prefix_len;
          break;
        case AstKind::Error:
          bad = true;
          continue;
        default:
          diag("type_mismatch",
               "list items must be literal values (strings, numbers, IPs, "
               "CIDRs), found " +
                   snippet(kid->begin, kid->end),
               kid->begin);
          bad = true;
          continue;
      }
      t.items.push_back(std::move(s));
    }
    if (bad) return error(a);
    return t;
  }

  // ---- operators --------------------------------------------------------------------------

  Typed<Ctx> negate(const Ast& a) {
    auto t = compile(*a.kids[0]);
    if (t.ty == Ty::Error) return error(a);
    if (t.ty == Ty::Param && !resolve(t, Want::Numeric)) return error(a);
    if (!numeric(t.ty)) {
      diag("type_mismatch", "'-' needs a number, found " + describe(t), a.op_offset);
      return error(a);
    }
    if (t.is_const) {
      Scalar s = t.k;
      s.begin = a.begin;
      s.end = a.end;
      if (s.ty == Ty::Int && s.i != std::numeric_limits<std::int64_t>::min()) {
        s.i = -s.i;
      } else {
        s.d = -s.as_double();
        s.ty = Ty::Num;
      }
      return konst(std::move(s));
    }
    if (t.ty == Ty::Int) {
      auto r = start(a, Ty::Int);
      r.ival = std::make_unique<IntNeg<Ctx>>(std::move(t.ival));
      return r;
    }
    auto r = start(a, Ty::Num);
    r.nval = std::make_unique<NumNeg<Ctx>>(std::move(t.nval));
    return r;
  }

  Typed<Ctx> logic(const Ast& a) {
    bool is_and = a.kind == AstKind::And;
    std::vector<BoolPtr<Ctx>> kids;
    bool bad = false;
    for (const auto& kid : a.kids) {
      auto t = compile(*kid);
      if (t.ty == Ty::Error) {
        bad = true;
        continue;
      }
      auto c = to_clause(t, "type_mismatch", is_and ? "'and'" : "'or'");
      if (!c) {
        bad = true;
        continue;
      }
      kids.push_back(std::move(c));
    }
    if (bad) return error(a);
    if (is_and) {
      auto n = std::make_unique<AndNode<Ctx>>();
      n->kids_ = std::move(kids);
      return clause(a, std::move(n));
    }
    auto n = std::make_unique<OrNode<Ctx>>();
    n->kids_ = std::move(kids);
    return clause(a, std::move(n));
  }

  /// Resolves $parameters in a binary operation against the other operand's type.
  bool harmonize(Typed<Ctx>& l, Typed<Ctx>& r) {
    bool ok = true;
    if (l.ty == Ty::Param && r.ty == Ty::Param) {
      ok = resolve(l, Want::Any);
      ok = resolve(r, ok ? want_for(l.ty) : Want::Any) && ok;
    } else if (l.ty == Ty::Param) {
      ok = resolve(l, want_for(r.ty));
    } else if (r.ty == Ty::Param) {
      ok = resolve(r, want_for(l.ty));
    }
    if (l.ty == Ty::Ip) coerce_str_to_ip(r);
    if (r.ty == Ty::Ip) coerce_str_to_ip(l);
    return ok;
  }

  template <class T, class Stored, class GetNode, class GetConst>
  BoolPtr<Ctx> make_cmp(CmpOp op, Typed<Ctx>& l, Typed<Ctx>& r, GetNode node, GetConst k) {
    if (r.is_const) {
      return std::make_unique<CmpConstNode<Ctx, T, Stored>>(op, node(l), k(r));
    }
    if (l.is_const) {
      return std::make_unique<CmpConstNode<Ctx, T, Stored>>(flip(op), node(r), k(l));
    }
    return std::make_unique<CmpNode<Ctx, T>>(op, node(l), node(r));
  }

  Typed<Ctx> comparison(const Ast& a) {
    auto l = compile(*a.kids[0]);
    auto r = compile(*a.kids[1]);
    if (l.ty == Ty::Error || r.ty == Ty::Error) return error(a);
    if (!harmonize(l, r)) return error(a);
    CmpOp op = cmp_op(a.op);
    std::string optext(binop_text(a.op));
    if (l.ty == Ty::List || r.ty == Ty::List) {
      diag("type_mismatch",
           "a list can only be used on the right of 'in': " + snippet(a.begin, a.end), a.op_offset);
      return error(a);
    }
    if (l.ty == Ty::Net || r.ty == Ty::Net) {
      diag("type_mismatch",
           "a CIDR is tested with 'in', not '" + optext + "': " + snippet(a.begin, a.end) +
               " (e.g. src_ip in 192.0.2.0/24)",
           a.op_offset);
      return error(a);
    }
    auto self = this;
    if (numeric(l.ty) && numeric(r.ty)) {
      if (l.ty == Ty::Int && r.ty == Ty::Int) {
        return clause(a, make_cmp<std::int64_t, std::int64_t>(
                             op, l, r, [self](Typed<Ctx>& t) { return self->int_node(t); },
                             [](Typed<Ctx>& t) { return t.k.i; }));
      }
      return clause(a, make_cmp<double, double>(
                           op, l, r, [self](Typed<Ctx>& t) { return self->num_node(t); },
                           [](Typed<Ctx>& t) { return t.k.as_double(); }));
    }
    if (l.ty != r.ty) {
      diag("type_mismatch",
           "cannot compare " + describe(l) + " with " + describe(r) + " using '" + optext + "'",
           a.op_offset);
      return error(a);
    }
    bool ordered = op != CmpOp::Eq && op != CmpOp::Ne;
    switch (l.ty) {
      case Ty::Str:
        return clause(a, make_cmp<std::string_view, std::string>(
                             op, l, r, [self](Typed<Ctx>& t) { return self->str_node(t); },
                             [](Typed<Ctx>& t) { return t.k.s; }));
      case Ty::Ip:
        if (ordered) break;
        return clause(a, make_cmp<core::IpAddress, core::IpAddress>(
                             op, l, r, [self](Typed<Ctx>& t) { return self->ip_node(t); },
                             [](Typed<Ctx>& t) { return t.k.ip; }));
      case Ty::Bool:
        if (ordered) break;
        return clause(a, make_cmp<bool, bool>(
                             op, l, r, [self](Typed<Ctx>& t) { return self->bool_node(t); },
                             [](Typed<Ctx>& t) { return t.k.b; }));
      default:
        break;
    }
    diag("type_mismatch",
         "'" + optext + "' cannot order " + std::string(ty_name(l.ty)) +
             " values: " + snippet(a.begin, a.end) + " (use == or !=)",
         a.op_offset);
    return error(a);
  }

  /// The constant items on the right of `in` (or of a string operator), each read as `w`.
  bool rhs_items(Typed<Ctx>& r, Want w, std::string_view op, std::vector<Scalar>& out) {
    if (r.ty == Ty::Param) {
      for (const auto& item : r.param->items) {
        Scalar s;
        if (!scalar_from_text(item, w, s)) {
          diag("type_mismatch",
               "item '" + item + "' of $" + r.param_name + " is not " + std::string(want_name(w)),
               r.begin);
          return false;
        }
        s.begin = r.begin;
        s.end = r.end;
        out.push_back(std::move(s));
      }
      return true;
    }
    if (r.ty == Ty::List) {
      out = std::move(r.items);
      return true;
    }
    if (r.is_const && (op == "in" ? (r.ty == Ty::Net || r.ty == Ty::Ip) : true)) {
      out.push_back(std::move(r.k));
      return true;
    }
    if (op == "in") {
      diag("type_mismatch",
           "the right side of 'in' must be a list, a $list parameter or a "
           "CIDR, found " +
               describe(r),
           r.begin);
    }
    return false;
  }

  Typed<Ctx> membership(const Ast& a) {
    auto l = compile(*a.kids[0]);
    auto r = compile(*a.kids[1]);
    if (l.ty == Ty::Error || r.ty == Ty::Error) return error(a);
    if (l.ty == Ty::Param && !resolve(l, Want::Any)) return error(a);
    bool neg = a.negated;
    std::vector<Scalar> items;
    switch (l.ty) {
      case Ty::Ip: {
        if (!rhs_items(r, Want::IpOrNet, "in", items)) return error(a);
        NetSet set;
        bool bad = false;
        for (auto& s : items) {
          if (s.ty == Ty::Str) {
            Scalar parsed;
            if (scalar_from_text(s.s, Want::IpOrNet, parsed)) {
              parsed.begin = s.begin;
              parsed.end = s.end;
              s = std::move(parsed);
            }
          }
          if (s.ty == Ty::Ip) {
            set.add(s.ip, 128);
          } else if (s.ty == Ty::Net) {
            set.add(s.ip, s.len);
          } else {
            diag("type_mismatch",
                 "list item " + snippet(s.begin, s.end) + " is not an IP address or CIDR", s.begin);
            bad = true;
          }
        }
        if (bad) return error(a);
        set.finish();
        return clause(a, std::make_unique<InNetNode<Ctx>>(ip_node(l), std::move(set), neg));
      }
      case Ty::Str: {
        if (!rhs_items(r, Want::Str, "in", items)) return error(a);
        std::vector<std::string> v;
        if (!all_of_type(items, Ty::Str, "a string")) return error(a);
        v.reserve(items.size());
        for (auto& s : items) v.push_back(std::move(s.s));
        return clause(a, std::make_unique<InSetNode<Ctx, std::string_view, std::string>>(
                             str_node(l), std::move(v), neg));
      }
      case Ty::Int:
      case Ty::Num: {
        if (!rhs_items(r, Want::Numeric, "in", items)) return error(a);
        bool bad = false;
        bool all_int = l.ty == Ty::Int;
        for (const auto& s : items) {
          if (!numeric(s.ty)) {
            diag("type_mismatch", "list item " + snippet(s.begin, s.end) + " is not a number",
                 s.begin);
            bad = true;
          }
          all_int = all_int && s.ty == Ty::Int;
        }
        if (bad) return error(a);
        if (all_int) {
          std::vector<std::int64_t> v;
          v.reserve(items.size());
          for (const auto& s : items) v.push_back(s.i);
          return clause(
              a, std::make_unique<InSetNode<Ctx, std::int64_t>>(int_node(l), std::move(v), neg));
        }
        std::vector<double> v;
        v.reserve(items.size());
        for (const auto& s : items) v.push_back(s.as_double());
        return clause(a, std::make_unique<InSetNode<Ctx, double>>(num_node(l), std::move(v), neg));
      }
      case Ty::Bool: {
        if (!rhs_items(r, Want::Bool, "in", items)) return error(a);
        if (!all_of_type(items, Ty::Bool, "true or false")) return error(a);
        std::vector<std::int64_t> v;
        v.reserve(items.size());
        for (const auto& s : items) v.push_back(s.b ? 1 : 0);
        // bool membership: compare as 0/1.
        struct BoolAsInt final : IntNode<Ctx> {
          explicit BoolAsInt(ValPtr<Ctx, bool> k) : k_(std::move(k)) {}
          bool eval(const Ctx& c, std::int64_t& out) const noexcept override {
            bool b = false;
            if (!k_->eval(c, b)) return false;
            out = b ? 1 : 0;
            return true;
          }
          ValPtr<Ctx, bool> k_;
        };
        return clause(a, std::make_unique<InSetNode<Ctx, std::int64_t>>(
                             std::make_unique<BoolAsInt>(bool_node(l)), std::move(v), neg));
      }
      default:
        diag("type_mismatch", "the left side of 'in' must be a single value, found " + describe(l),
             l.begin);
        return error(a);
    }
  }

  bool all_of_type(const std::vector<Scalar>& items, Ty ty, std::string_view what) {
    bool ok = true;
    for (const auto& s : items) {
      if (s.ty != ty) {
        diag("type_mismatch",
             "list item " + snippet(s.begin, s.end) + " is not " + std::string(what), s.begin);
        ok = false;
      }
    }
    return ok;
  }

  Typed<Ctx> string_op(const Ast& a) {
    auto l = compile(*a.kids[0]);
    auto r = compile(*a.kids[1]);
    if (l.ty == Ty::Error || r.ty == Ty::Error) return error(a);
    std::string optext(binop_text(a.op));
    bool ok = true;
    if (l.ty == Ty::Param) ok = resolve(l, Want::Str);
    if (ok && l.ty != Ty::Str) {
      diag("type_mismatch", "'" + optext + "' needs a string on the left, found " + describe(l),
           l.begin);
      ok = false;
    }
    StrOp op = a.op == BinOp::StartsWith ? StrOp::StartsWith
               : a.op == BinOp::EndsWith ? StrOp::EndsWith
                                         : StrOp::Contains;
    if (r.ty == Ty::Str && !r.is_const) {
      if (!ok) return error(a);
      return clause(a, std::make_unique<StrOpNode<Ctx>>(op, str_node(l), str_node(r), a.negated));
    }
    std::vector<Scalar> items;
    if (r.ty == Ty::Param || r.ty == Ty::List || (r.is_const && r.ty == Ty::Str)) {
      rhs_items(r, Want::Str, optext, items);
      if (!all_of_type(items, Ty::Str, "a string")) return error(a);
    } else {
      diag("type_mismatch",
           "'" + optext +
               "' needs a string or a list of strings on the right, "
               "found " +
               describe(r),
           r.begin);
      return error(a);
    }
    if (!ok) return error(a);
    std::vector<std::string> needles;
    needles.reserve(items.size());
    for (auto& s : items) needles.push_back(std::move(s.s));
    return clause(
        a, std::make_unique<StrOpConstNode<Ctx>>(op, str_node(l), std::move(needles), a.negated));
  }

  Typed<Ctx> regex(const Ast& a) {
    auto l = compile(*a.kids[0]);
    auto r = compile(*a.kids[1]);
    if (l.ty == Ty::Error || r.ty == Ty::Error) return error(a);
    bool ok = true;
    if (l.ty == Ty::Param) ok = resolve(l, Want::Str);
    if (ok && l.ty != Ty::Str) {
      diag("type_mismatch", "'~' needs a string on the left, found " + describe(l), l.begin);
      ok = false;
    }
    if (r.ty == Ty::Param && !resolve(r, Want::Str)) return error(a);
    if (r.ty != Ty::Str || !r.is_const) {
      diag("type_mismatch",
           "the right side of '~' must be a constant string (a regular "
           "expression), found " +
               describe(r),
           r.begin);
      return error(a);
    }
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(r.k.s, opts);
    if (!re->ok()) {
      diag("bad_regex", "bad regular expression " + snippet(r.begin, r.end) + ": " + re->error(),
           r.begin);
      return error(a);
    }
    if (!ok) return error(a);
    return clause(a, std::make_unique<RegexNode<Ctx>>(str_node(l), std::move(re), a.negated));
  }

  Typed<Ctx> arithmetic(const Ast& a) {
    auto l = compile(*a.kids[0]);
    auto r = compile(*a.kids[1]);
    if (l.ty == Ty::Error || r.ty == Ty::Error) return error(a);
    bool ok = resolve(l, Want::Numeric);
    ok = resolve(r, Want::Numeric) && ok;
    if (!ok) return error(a);
    std::string optext(binop_text(a.op));
    for (const Typed<Ctx>* t : {&l, &r}) {
      if (!numeric(t->ty)) {
        diag("type_mismatch", "'" + optext + "' needs numbers, found " + describe(*t), t->begin);
        ok = false;
      }
    }
    if (!ok) return error(a);
    ArithOp op = a.op == BinOp::Add   ? ArithOp::Add
                 : a.op == BinOp::Sub ? ArithOp::Sub
                 : a.op == BinOp::Mul ? ArithOp::Mul
                                      : ArithOp::Div;
    if (op != ArithOp::Div && l.ty == Ty::Int && r.ty == Ty::Int) {
      auto t = start(a, Ty::Int);
      t.ival = std::make_unique<IntArith<Ctx>>(op, int_node(l), int_node(r));
      return t;
    }
    auto t = start(a, Ty::Num);
    t.nval = std::make_unique<NumArith<Ctx>>(op, num_node(l), num_node(r));
    return t;
  }

  // ---- functions --------------------------------------------------------------------------

  bool arity(const Ast& a, std::size_t lo, std::size_t hi) {
    std::size_t n = a.kids.size();
    if (n >= lo && n <= hi) return true;
    std::string want =
        lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
    diag("wrong_arity",
         a.s + "() takes " + want + " argument" + (hi == 1 ? "" : "s") + ", found " +
             std::to_string(n) + " in " + snippet(a.begin, a.end),
         a.begin);
    return false;
  }

  /// Compiles an argument that must be an IP address.
  bool ip_arg(const Ast& a, Typed<Ctx>& t) {
    t = compile(a);
    if (t.ty == Ty::Error) return false;
    if (t.ty == Ty::Param && !resolve(t, Want::Ip)) return false;
    coerce_str_to_ip(t);
    if (t.ty != Ty::Ip) {
      diag("type_mismatch", "expected an IP address, found " + describe(t), t.begin);
      return false;
    }
    return true;
  }

  bool str_arg(const Ast& a, Typed<Ctx>& t) {
    t = compile(a);
    if (t.ty == Ty::Error) return false;
    if (t.ty == Ty::Param && !resolve(t, Want::Str)) return false;
    if (t.ty != Ty::Str) {
      diag("type_mismatch", "expected a string, found " + describe(t), t.begin);
      return false;
    }
    return true;
  }

  /// A constant integer argument in [lo, hi] (prefix lengths).
  bool const_int_arg(const Ast& a, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    auto t = compile(a);
    if (t.ty == Ty::Error) return false;
    if (t.ty == Ty::Param && !resolve(t, Want::Numeric)) return false;
    if (t.ty != Ty::Int || !t.is_const || t.k.i < lo || t.k.i > hi) {
      diag("bad_argument",
           "expected a constant whole number from " + std::to_string(lo) + " to " +
               std::to_string(hi) + ", found " + describe(t),
           t.begin);
      return false;
    }
    out = t.k.i;
    return true;
  }

  Typed<Ctx> call(const Ast& a) {
    const std::string& n = a.s;
    if (is_aggregate(n)) {
      if constexpr (kEvent) {
        diag("aggregate_in_predicate",
             "aggregate " + snippet(a.begin, a.end) +
                 " can only be used in a fire condition, not in an event filter",
             a.begin);
        return error(a);
      } else {
        return aggregate(a);
      }
    }
    if (n == "country" || n == "asn") {
      if (!arity(a, 1, 1)) return error(a);
      Typed<Ctx> ip;
      if (!ip_arg(*a.kids[0], ip)) return error(a);
      if (n == "country") {
        uses_arena = true;
        auto t = start(a, Ty::Str);
        t.sval = std::make_unique<CountryNode<Ctx>>(ip_node(ip), env_.geo);
        return t;
      }
      auto t = start(a, Ty::Int);
      t.ival = std::make_unique<AsnNode<Ctx>>(ip_node(ip), env_.geo);
      return t;
    }
    if (n == "prefix") {
      if (!arity(a, 2, 3)) return error(a);
      Typed<Ctx> ip;
      bool ok = ip_arg(*a.kids[0], ip);
      std::int64_t v4 = 0, v6 = 0;
      if (a.kids.size() == 3) {
        ok = const_int_arg(*a.kids[1], 0, 32, v4) && ok;
        ok = const_int_arg(*a.kids[2], 0, 128, v6) && ok;
      } else {
        ok = const_int_arg(*a.kids[1], 0, 128, v6) && ok;
        v4 = std::min<std::int64_t>(v6, 32);
      }
      if (!ok) return error(a);
      uses_arena = true;
      auto t = start(a, Ty::Str);
      t.sval = std::make_unique<PrefixNode<Ctx>>(ip_node(ip), static_cast<unsigned>(v4),
                                                 static_cast<unsigned>(v6));
      return t;
    }
    if (n == "lower" || n == "len") {
      if (!arity(a, 1, 1)) return error(a);
      Typed<Ctx> s;
      if (!str_arg(*a.kids[0], s)) return error(a);
      if (n == "len") {
        auto t = start(a, Ty::Int);
        t.ival = std::make_unique<LenNode<Ctx>>(str_node(s));
        return t;
      }
      uses_arena = true;
      auto t = start(a, Ty::Str);
      t.sval = std::make_unique<LowerNode<Ctx>>(str_node(s));
      return t;
    }
    std::string msg =
        "unknown function " + snippet(a.begin, a.begin + static_cast<std::uint32_t>(n.size()));
    if (model::field_by_name(n)) {
      msg += ": " + n + " is a field; write it without parentheses";
    } else {
      msg += " (known: " + std::string(kFunctions) + ")";
    }
    diag("unknown_function", std::move(msg), a.begin);
    // Still check the arguments, to report their problems too.
    for (const auto& kid : a.kids) (void)compile(*kid);
    return error(a);
  }

  Typed<Ctx> aggregate(const Ast& a) {
    AggregateSpec spec;
    std::string text;
    if (!aggregate_spec(a, spec, text)) return error(a);
    auto node = std::make_unique<AggSlot>();
    pending.push_back(PendingAggregate{std::move(spec), std::move(text), node.get()});
    auto t = start(a, Ty::Num);
    t.nval = std::move(node);
    return t;
  }

  // The spec and canonical text of the aggregate call a; false (diagnosed) when it is wrong.
  bool aggregate_spec(const Ast& a, AggregateSpec& spec, std::string& text) {
    const std::string& n = a.s;
    if (n == "baseline" || n == "deviation") {
      // baseline(A) / deviation(A): A is one of the window aggregates (not another baseline).
      if (!arity(a, 1, 1)) return false;
      const Ast& arg = *a.kids[0];
      if (arg.kind != AstKind::Call || !is_aggregate(arg.s) || arg.s == "baseline" ||
          arg.s == "deviation") {
        if (arg.kind != AstKind::Error) {
          diag("type_mismatch",
               n + "() takes a window aggregate, e.g. " + n + "(distinct(src_ip)) or " + n +
                   "(share(status >= 500)), found " + snippet(arg.begin, arg.end),
               arg.begin);
        }
        return false;
      }
      AggregateSpec inner;
      std::string inner_text;
      if (!aggregate_spec(arg, inner, inner_text)) return false;
      spec.kind = n == "baseline" ? AggregateKind::Baseline : AggregateKind::Deviation;
      spec.inner = std::make_shared<const AggregateSpec>(std::move(inner));
      text = n + "(" + inner_text + ")";
      return true;
    }
    if (n == "count" || n == "rate") {
      if (!arity(a, 0, 0)) return false;
      spec.kind = n == "count" ? AggregateKind::Count : AggregateKind::Rate;
      text = n + "()";
    } else if (n == "share") {
      if (!arity(a, 1, 1)) return false;
      Compiler<model::Event> sub(text_, env_, diags_);
      auto t = sub.compile(*a.kids[0]);
      auto c = sub.to_clause(t, "type_mismatch", "share()");
      if (!c) return false;
      spec.kind = AggregateKind::Share;
      spec.predicate =
          std::make_shared<PredicateImpl>(std::move(c), sub.sorted_fields(), sub.uses_arena);
      text = "share(" + to_text(*a.kids[0]) + ")";
    } else {
      if (!arity(a, 1, 1)) return false;
      const Ast& arg = *a.kids[0];
      if (arg.kind != AstKind::Field) {
        if (arg.kind != AstKind::Error) {
          diag("type_mismatch",
               n + "() takes a field name, e.g. " + n + (n == "distinct" ? "(src_ip)" : "(bytes)") +
                   ", found " + snippet(arg.begin, arg.end),
               arg.begin);
        }
        return false;
      }
      auto f = model::field_by_name(arg.s);
      if (!f) {
        diag("unknown_field",
             "unknown field " + snippet(arg.begin, arg.end) + " (`bannin fields` lists them)",
             arg.begin);
        return false;
      }
      model::FieldType ft = model::type(*f);
      bool is_num = ft == model::FieldType::Int || ft == model::FieldType::Duration ||
                    ft == model::FieldType::Timestamp;
      if (n != "distinct" && !is_num) {
        diag("type_mismatch",
             n + "() needs a number field; " + snippet(arg.begin, arg.end) + " is a " +
                 std::string(model::field_type_name(ft)),
             arg.begin);
        return false;
      }
      spec.kind = n == "distinct" ? AggregateKind::Distinct
                  : n == "sum"    ? AggregateKind::Sum
                  : n == "min"    ? AggregateKind::Min
                                  : AggregateKind::Max;
      spec.field = *f;
      text = n + "(" + arg.s + ")";
    }
    return true;
  }

  std::string_view text_;
  const CompileEnv& env_;
  std::vector<Diagnostic>& diags_;
};

void sort_diagnostics(std::vector<Diagnostic>& d) {
  std::stable_sort(d.begin(), d.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.offset < b.offset; });
}

}  // namespace
}  // namespace detail

std::size_t AggregateRegistry::add(AggregateSpec spec, std::string_view text) {
  // Canonical text: the printed syntax tree when text parses ("distinct( src_ip )" and
  // "distinct(src_ip)" are one aggregate), else text with whitespace collapsed.
  std::string norm;
  std::vector<Diagnostic> scratch;
  auto parsed = detail::parse(text, scratch);
  if (parsed.ok && scratch.empty()) {
    norm = detail::to_text(*parsed.root);
  } else {
    norm = detail::normalize_space(text);
  }
  for (std::size_t k = 0; k < specs_.size(); ++k) {
    if (specs_[k].kind == spec.kind && specs_[k].field == spec.field && texts_[k] == norm) {
      return k;
    }
  }
  specs_.push_back(std::move(spec));
  texts_.push_back(std::move(norm));
  return specs_.size() - 1;
}

Compiled<Predicate> compile_predicate(std::string_view text, const CompileEnv& env) {
  Compiled<Predicate> out;
  auto parsed = detail::parse(text, out.diagnostics);
  detail::Compiler<model::Event> c(text, env, out.diagnostics);
  auto t = c.compile(*parsed.root);
  auto root = c.to_clause(t, "not_boolean", "");
  detail::sort_diagnostics(out.diagnostics);
  if (root && out.diagnostics.empty()) {
    out.value =
        std::make_unique<detail::PredicateImpl>(std::move(root), c.sorted_fields(), c.uses_arena);
  }
  return out;
}

Compiled<Condition> compile_condition(std::string_view text, const CompileEnv& env,
                                      AggregateRegistry& aggregates) {
  Compiled<Condition> out;
  auto parsed = detail::parse(text, out.diagnostics);
  detail::Compiler<detail::CondCtx> c(text, env, out.diagnostics);
  auto t = c.compile(*parsed.root);
  auto root = c.to_clause(t, "not_boolean", "");
  detail::sort_diagnostics(out.diagnostics);
  if (root && out.diagnostics.empty()) {
    // Aggregates register only once the whole condition compiled, so a rejected rule leaves
    // the registry untouched.
    for (auto& p : c.pending) p.node->slot_ = aggregates.add(std::move(p.spec), p.text);
    out.value = std::make_unique<detail::ConditionImpl>(std::move(root), c.uses_arena);
  }
  return out;
}

}  // namespace bannin::ruleset
