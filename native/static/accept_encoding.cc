#include "static/accept_encoding.h"

#include <algorithm>
#include <cstdlib>

namespace brigade::statics {

namespace {

struct Spec {
  std::string encoding;  // lower case
  double q = 1;
  int i = 0;
};

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' || c == '#' ||
         c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+' || c == '-' || c == '.' || c == '^' ||
         c == '_' || c == '`' || c == '|' || c == '~';
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
bool parse_q(std::string_view v, double* q) {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return false;
  if (v.size() > 1) {
    if (v[1] != '.') return false;
    for (char c : v.substr(2))
      if (c < '0' || c > '9' || (v[0] == '1' && c != '0')) return false;
  }
  *q = std::strtod(std::string(v).c_str(), nullptr);
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse(std::string_view accept, std::vector<Spec>* out) {
  if (trim_ows(accept).empty()) return true;
  int i = 0;
  while (true) {
    const size_t comma = accept.find(',');
    const std::string_view item = trim_ows(accept.substr(0, comma));
    if (item.empty()) return false;
    Spec s;
    const size_t semi = item.find(';');
    const std::string_view name = item.substr(0, semi);
    for (char c : name) {
      if (!token_char(c)) return false;
      s.encoding.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    if (semi != std::string_view::npos) {
      const std::string_view param = item.substr(semi + 1);
      if (param.substr(0, 2) != "q=" || !parse_q(param.substr(2), &s.q)) return false;
    }
    s.i = i++;
    out->push_back(std::move(s));
    if (comma == std::string_view::npos) return true;
    accept.remove_prefix(comma + 1);
  }
}

}  // namespace

Negotiated negotiate_encoding(std::string_view accept, const std::vector<std::string_view>& offered) {
  std::vector<Spec> accepts;
  if (!parse(accept, &accepts)) return Negotiated{Negotiated::kDefer, {}};
  // negotiator: identity, unless named (or covered by '*'), is acceptable at
  // the lowest q listed (where q=0 counts as 1: `q || 1`).
  bool has_identity = false;
  double min_q = 1;
  for (const Spec& s : accepts) {
    has_identity = has_identity || s.encoding == "identity" || s.encoding == "*";
    min_q = std::min(min_q, s.q == 0 ? 1.0 : s.q);
  }
  if (!has_identity) accepts.push_back(Spec{"identity", min_q, static_cast<int>(accepts.size())});

  struct Priority {
    double q = 0;
    int s = 0, o = -1;
    size_t index = 0;
  };
  std::vector<Priority> ranked;
  for (size_t k = 0; k < offered.size(); ++k) {
    Priority p;
    p.index = k;
    for (const Spec& spec : accepts) {
      int s = 0;
      if (spec.encoding == offered[k]) s = 1;
      else if (spec.encoding != "*") continue;
      // Replace when (p.s - s || p.q - q || p.o - o) < 0.
      const double d = p.s != s ? p.s - s : p.q != spec.q ? p.q - spec.q : p.o - spec.i;
      if (d < 0) {
        p.s = s;
        p.q = spec.q;
        p.o = spec.i;
      }
    }
    if (p.q > 0) ranked.push_back(p);
  }
  if (ranked.empty()) return Negotiated{Negotiated::kNone, {}};
  // Highest q first; equal q: the server's order (offered is the preference list).
  std::stable_sort(ranked.begin(), ranked.end(), [](const Priority& a, const Priority& b) {
    return a.q != b.q ? a.q > b.q : a.index < b.index;
  });
  return Negotiated{Negotiated::kChosen, offered[ranked.front().index]};
}

}  // namespace brigade::statics
