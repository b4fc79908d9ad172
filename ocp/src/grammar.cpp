#include "grammar.hpp"

#include <boost/spirit/home/x3.hpp>

namespace ocp::detail {

namespace x3 = boost::spirit::x3;
using Iterator = const char*;

// Named (not anonymous) so that x3::get_info can be specialised below.
namespace grammar_parts {

struct options_tag;
struct owner_tag;

/// RFC 4037 §3.1 `data = size ":" *OCTET`: exactly `size` octets, whatever
/// they are. The attribute is a view of them.
struct sized_data_parser : x3::parser<sized_data_parser> {
  using attribute_type = std::string_view;
  static constexpr bool has_attribute = true;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, It const& last, Context const&, RContext&, Attribute& attribute) const {
    It it = first;
    if (it == last || *it < '0' || *it > '9') return false;
    std::uint64_t size = 0;
    const It digits = it;
    while (it != last && *it >= '0' && *it <= '9') {
      if (it != digits && size == 0) throw x3::expectation_failure<It>(it, "size without leading zero");
      size = size * 10 + static_cast<unsigned>(*it - '0');
      if (size > 2147483647u) throw x3::expectation_failure<It>(it, "size of at most 2147483647");
      ++it;
    }
    if (it == last || *it != ':') throw x3::expectation_failure<It>(it, "':' after size");
    ++it;
    if (static_cast<std::uint64_t>(last - it) < size) {
      throw x3::expectation_failure<It>(last, std::to_string(size) + " octets of data");
    }
    if constexpr (!std::is_same_v<Attribute, x3::unused_type>) {
      attribute = std::string_view(it, static_cast<std::size_t>(size));
    }
    first = it + size;
    return true;
  }
};

/// Lets the values after `Kept: v` through when the options allow it.
/// Consumes nothing; RContext is the NamedValue being built.
struct multi_value_gate_parser : x3::parser<multi_value_gate_parser> {
  using attribute_type = x3::unused_type;
  static constexpr bool has_attribute = false;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It&, It const&, Context const& context, RContext& named, Attribute&) const {
    const ParseOptions& options = x3::get<options_tag>(context);
    return options.multi_value_kept && named.name == "Kept";
  }
};

/// One SP next to a brace, when the options allow it.
struct brace_space_parser : x3::parser<brace_space_parser> {
  using attribute_type = x3::unused_type;
  static constexpr bool has_attribute = false;

  template <class It, class Context, class RContext, class Attribute>
  bool parse(It& first, It const& last, Context const& context, RContext&, Attribute&) const {
    const ParseOptions& options = x3::get<options_tag>(context);
    if (!options.spaces_inside_braces || first == last || *first != ' ') return false;
    ++first;
    return true;
  }
};

}  // namespace grammar_parts
}  // namespace ocp::detail

namespace boost::spirit::x3 {
// Names used in "... expected" error messages.
template <>
struct get_info<ocp::detail::grammar_parts::sized_data_parser> {
  using result_type = std::string;
  std::string operator()(const ocp::detail::grammar_parts::sized_data_parser&) const {
    return "size-prefixed data";
  }
};
}  // namespace boost::spirit::x3

namespace ocp::detail {
namespace {
using namespace grammar_parts;

const sized_data_parser sized_data{};
const multi_value_gate_parser multi_value_gate{};
const brace_space_parser brace_space{};

const auto safe_octet = x3::char_("A-Za-z0-9_-");
const auto alpha = x3::char_("A-Za-z");
const auto crlf = x3::lit("\r\n");

// Semantic actions: the grammar builds the value model directly.
const auto set_atom_bare = [](auto& ctx) {
  const auto& range = x3::_attr(ctx);
  x3::_val(ctx).bytes.assign(range.begin(), range.end());
};
const auto set_atom_quoted = [](auto& ctx) {
  const std::string_view data = x3::_attr(ctx);
  x3::_val(ctx).bytes.assign(data.data(), data.size());
};
const auto set_node = [](auto& ctx) { x3::_val(ctx).node = std::move(x3::_attr(ctx)); };
const auto push_item = [](auto& ctx) { x3::_val(ctx).items.push_back(std::move(x3::_attr(ctx))); };
const auto push_anonymous = [](auto& ctx) {
  x3::_val(ctx).anonymous.push_back(std::move(x3::_attr(ctx)));
};
const auto push_named = [](auto& ctx) { x3::_val(ctx).named.push_back(std::move(x3::_attr(ctx))); };
const auto set_name = [](auto& ctx) {
  const auto& range = x3::_attr(ctx);
  x3::_val(ctx).name.assign(range.begin(), range.end());
};
const auto set_value = [](auto& ctx) { x3::_val(ctx).value = std::move(x3::_attr(ctx)); };
const auto push_extra_value = [](auto& ctx) {
  x3::_val(ctx).extra_values.push_back(std::move(x3::_attr(ctx)));
};
const auto set_payload = [](auto& ctx) {
  const std::shared_ptr<const void>& owner = x3::get<owner_tag>(ctx);
  x3::_val(ctx).payload = SharedBytes(owner, x3::_attr(ctx));
};

const x3::rule<class atom_rule, Atom> atom = "atom";
const x3::rule<class list_rule, List> list = "list";
const x3::rule<class structure_rule, Structure> structure = "structure";
const x3::rule<class value_rule, Value> value = "value";
const x3::rule<class named_value_rule, NamedValue> named_value = "named parameter";
const x3::rule<class message_rule, Message> message = "message";

// atom = bare-value / quoted-value
const auto atom_def = x3::raw[+safe_octet][set_atom_bare] |
                      ('"' > sized_data[set_atom_quoted] > '"');

// value = structure / list / atom
const auto value_def = structure[set_node] | list[set_node] | atom[set_node];

// list = "(" [ value *("," value) ] ")"
// After a comma an item must follow; saying so puts errors at the right octet.
const auto list_def = '(' > -(value[push_item] >> *((',' > value)[push_item])) > ')';

// named-value = name ":" SP value  (plus `Kept: o s`, A-3)
// Where a named parameter may start, a name start (ALPHA) commits to one.
const auto named_value_def = x3::raw[alpha >> *safe_octet][set_name] > x3::lit(": ") >
                             value[set_value] >
                             *(multi_value_gate >> ' ' >> value[push_extra_value]);

// structure = "{" [anonym-parameters] [CRLF named-parameters CRLF] "}"
const auto structure_def = '{' > -brace_space > -(value[push_anonymous] % ' ') >
                           -((crlf >> (named_value[push_named] % crlf)) > crlf) > -brace_space >
                           '}';

// message = name [SP anonym-parameters] [CRLF named-parameters CRLF]
//           [CRLF payload CRLF] ";" CRLF
const auto message_def = x3::raw[alpha >> *safe_octet][set_name] >
                         -((' ' > value)[push_anonymous] >> *((' ' > value)[push_anonymous])) >
                         -((crlf >> (named_value[push_named] % crlf)) > crlf) >
                         -((crlf >> sized_data[set_payload]) > crlf) > x3::lit(";\r\n") > x3::eoi;

BOOST_SPIRIT_DEFINE(atom, list, structure, value, named_value, message)

std::string describe_expectation(std::string which) {
  if (which == "N/A" || which.empty()) return "syntax error";
  // Literals are named by their text; show line ends readably.
  for (std::size_t at; (at = which.find("\r\n")) != std::string::npos;) which.replace(at, 2, "CRLF");
  return which + " expected";
}

}  // namespace

Expected<Message, ParseError> parse_framed(std::string_view bytes,
                                           const std::shared_ptr<const void>& owner,
                                           const ParseOptions& options) {
  Message result;
  Iterator first = bytes.data();
  const Iterator last = bytes.data() + bytes.size();
  try {
    const auto grammar = x3::with<options_tag>(std::cref(options))[
        x3::with<owner_tag>(std::cref(owner))[message]];
    if (!x3::parse(first, last, grammar, result)) {
      return unexpected(ParseError{static_cast<std::uint64_t>(first - bytes.data()),
                                   "syntax error"});
    }
  } catch (const x3::expectation_failure<Iterator>& failure) {
    return unexpected(ParseError{static_cast<std::uint64_t>(failure.where() - bytes.data()),
                                 describe_expectation(failure.which())});
  }
  return result;
}

}  // namespace ocp::detail
