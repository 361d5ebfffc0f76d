#pragma once
// A tiny, safe arithmetic language for user curves: x(t), y(t), z(t) typed as text. It is parsed into a tree once
// and evaluated many times; nothing is ever handed to a shell or an interpreter.
//
//   numbers (1, 2.5, 1e-3), the variable t, the constants pi and e,
//   + - * / ^ (power, right-associative: 2^3^2 = 2^9), unary minus (-t^2 = -(t^2)), parentheses,
//   sin cos tan exp log (natural) sqrt abs, each applied as f(expr).
//
// Syntax errors throw weft::Error saying what was expected and at which column (1-based) of the text.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::web {

class Expression {
 public:
  // `where` names the text in errors (e.g. "--expr"); `column_offset` shifts the reported columns when the
  // text is one part of a longer string (the y of "x, y, z").
  static Expression parse(std::string_view text, const std::string& where = "expression", int column_offset = 0);

  // May return inf/nan (log(0), 1/0): callers check finiteness where it matters.
  double eval(double t) const;
  const std::string& text() const { return text_; }

  struct Node;  // defined in expression.cpp

 private:
  std::string text_;
  std::shared_ptr<const Node> root_;  // immutable tree, so copies can share it
};

// "x(t), y(t), z(t)": three expressions separated by top-level commas (commas inside parentheses are not split,
// though no function here takes two arguments). Columns in errors refer to the whole text.
std::vector<Expression> parse_curve_expression(std::string_view text, const std::string& where = "expression");

}  // namespace weft::web
