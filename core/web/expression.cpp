#include "web/expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace weft::web {

// One tree node: a number, t, a unary function/negation of `a`, or a binary operator on `a` and `b`.
struct Expression::Node {
  enum class Kind { Number, Var, Neg, Add, Sub, Mul, Div, Pow, Sin, Cos, Tan, Exp, Log, Sqrt, Abs } kind;
  double value = 0.0;
  std::shared_ptr<const Node> a, b;
};

namespace {

using NodePtr = std::shared_ptr<const Expression::Node>;
using Kind = Expression::Node::Kind;

NodePtr make(Kind k, NodePtr a = nullptr, NodePtr b = nullptr, double v = 0.0) {
  auto n = std::make_shared<Expression::Node>();
  n->kind = k;
  n->a = std::move(a);
  n->b = std::move(b);
  n->value = v;
  return n;
}

// Recursive descent, one function per precedence level:
//   sum := product (('+'|'-') product)*      product := unary (('*'|'/') unary)*
//   unary := ('+'|'-') unary | power         power := atom ('^' unary)?
class Parser {
 public:
  Parser(std::string_view text, const std::string& where, int offset) : s_(text), where_(where), offset_(offset) {}

  NodePtr parse_all() {
    skip();
    if (pos_ == s_.size()) fail("the expression is empty");
    NodePtr n = sum();
    skip();
    if (pos_ != s_.size()) fail(std::string("unexpected '") + s_[pos_] + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(what + " at column " + std::to_string(offset_ + static_cast<int>(pos_) + 1), where_);
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  NodePtr sum() {
    NodePtr n = product();
    for (;;) {
      if (eat('+')) n = make(Kind::Add, n, product());
      else if (eat('-')) n = make(Kind::Sub, n, product());
      else return n;
    }
  }
  NodePtr product() {
    NodePtr n = unary();
    for (;;) {
      if (eat('*')) n = make(Kind::Mul, n, unary());
      else if (eat('/')) n = make(Kind::Div, n, unary());
      else return n;
    }
  }
  NodePtr unary() {
    if (eat('-')) return make(Kind::Neg, unary());
    if (eat('+')) return unary();
    return power();
  }
  NodePtr power() {
    NodePtr base = atom();
    if (eat('^')) return make(Kind::Pow, base, unary());  // unary → right-associative, and 2^-1 works
    return base;
  }
  NodePtr atom() {
    skip();
    if (pos_ == s_.size()) fail("expected a number, t, a function or '(' but the text ended");
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      NodePtr n = sum();
      if (!eat(')')) fail("expected ')'");
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return number();
    if (std::isalpha(static_cast<unsigned char>(c))) return name();
    fail(std::string("unexpected '") + c + "'");
  }
  NodePtr number() {
    // strtod would also accept "inf", hex and so on; take only digits, one '.', and an exponent.
    const std::size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < s_.size() && (s_[p] == '+' || s_[p] == '-')) ++p;
      if (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) {
        while (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) ++p;
        pos_ = p;
      }
    }
    const std::string lit(s_.substr(start, pos_ - start));
    char* end = nullptr;
    const double v = std::strtod(lit.c_str(), &end);
    if (end != lit.c_str() + lit.size() || std::count(lit.begin(), lit.end(), '.') > 1) {
      pos_ = start;
      fail("\"" + lit + "\" is not a number");
    }
    return make(Kind::Number, nullptr, nullptr, v);
  }
  NodePtr name() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    const std::string id(s_.substr(start, pos_ - start));
    if (id == "t") return make(Kind::Var);
    if (id == "pi") return make(Kind::Number, nullptr, nullptr, M_PI);
    if (id == "e") return make(Kind::Number, nullptr, nullptr, M_E);
    static const std::pair<const char*, Kind> functions[] = {{"sin", Kind::Sin},   {"cos", Kind::Cos},
                                                            {"tan", Kind::Tan},   {"exp", Kind::Exp},
                                                            {"log", Kind::Log},   {"sqrt", Kind::Sqrt},
                                                            {"abs", Kind::Abs}};
    for (const auto& [fname, kind] : functions)
      if (id == fname) {
        if (!eat('(')) fail("expected '(' after " + id);
        NodePtr arg = sum();
        if (!eat(')')) fail("expected ')' to close " + id + "(");
        return make(kind, arg);
      }
    pos_ = start;
    fail("unknown name \"" + id + "\" (use t, pi, e, sin, cos, tan, exp, log, sqrt, abs)");
  }

  std::string_view s_;
  const std::string& where_;
  int offset_;
  std::size_t pos_ = 0;
};

double eval_node(const Expression::Node& n, double t) {
  switch (n.kind) {
    case Kind::Number: return n.value;
    case Kind::Var: return t;
    case Kind::Neg: return -eval_node(*n.a, t);
    case Kind::Add: return eval_node(*n.a, t) + eval_node(*n.b, t);
    case Kind::Sub: return eval_node(*n.a, t) - eval_node(*n.b, t);
    case Kind::Mul: return eval_node(*n.a, t) * eval_node(*n.b, t);
    case Kind::Div: return eval_node(*n.a, t) / eval_node(*n.b, t);
    case Kind::Pow: return std::pow(eval_node(*n.a, t), eval_node(*n.b, t));
    case Kind::Sin: return std::sin(eval_node(*n.a, t));
    case Kind::Cos: return std::cos(eval_node(*n.a, t));
    case Kind::Tan: return std::tan(eval_node(*n.a, t));
    case Kind::Exp: return std::exp(eval_node(*n.a, t));
    case Kind::Log: return std::log(eval_node(*n.a, t));
    case Kind::Sqrt: return std::sqrt(eval_node(*n.a, t));
    case Kind::Abs: return std::fabs(eval_node(*n.a, t));
  }
  return 0.0;
}

}  // namespace

Expression Expression::parse(std::string_view text, const std::string& where, int column_offset) {
  Expression e;
  e.text_ = std::string(text);
  e.root_ = Parser(text, where, column_offset).parse_all();
  return e;
}

double Expression::eval(double t) const { return root_ ? eval_node(*root_, t) : 0.0; }

std::vector<Expression> parse_curve_expression(std::string_view text, const std::string& where) {
  std::vector<std::size_t> commas;
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    else if (text[i] == ')') --depth;
    else if (text[i] == ',' && depth == 0) commas.push_back(i);
  }
  if (commas.size() != 2)
    throw Error("expected three expressions \"x(t), y(t), z(t)\" separated by commas, found " +
                    std::to_string(commas.size() + 1),
                where);
  std::vector<Expression> out;
  std::size_t begin = 0;
  for (int k = 0; k < 3; ++k) {
    const std::size_t end = k < 2 ? commas[static_cast<std::size_t>(k)] : text.size();
    out.push_back(Expression::parse(text.substr(begin, end - begin), where, static_cast<int>(begin)));
    begin = end + 1;
  }
  return out;
}

}  // namespace weft::web
