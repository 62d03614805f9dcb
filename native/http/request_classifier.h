// RequestClassifier: puts a parsed request head into a service class
// (docs/service-classes.md) when the head is complete, so the class index can
// travel with the request record. Rules come from TypeScript; a class whose
// rules native code cannot evaluate (a regex, an unknown method name) makes the
// result kClassifyInJs whenever its other rules match, and TypeScript decides.
// Plain C++, no Node headers; read-only after setup, shared by every I/O loop.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "http/request_parser.h"

namespace brigade::http {

struct ClassRule {
  uint16_t method_mask = 0;   // bit (1 << Method); 0 and !method_other = any method
  bool method_other = false;  // the rule names a method outside Method (then js_only too)
  bool has_path_prefix = false;
  std::string path_prefix;
  bool has_host = false;
  std::string host;           // lower case, without port
  bool has_header = false;
  std::string header_name;    // lower case
  std::string header_value;   // exact
  bool js_only = false;       // a rule of this class is evaluated in TypeScript only
};

class RequestClassifier {
 public:
  static constexpr uint8_t kClassifyInJs = 255;
  static constexpr size_t kMaxClasses = 254;

  // rules: the classes before the default one, in order; default_index: the
  // class of a request no rule matches. No rules at all: every request gets
  // kClassifyInJs (service classes off, or classification left to TypeScript).
  void set(std::vector<ClassRule> rules, uint8_t default_index);
  bool enabled() const { return enabled_; }

  // head: the parsed head; buf: the head bytes its spans point into.
  uint8_t classify(const RequestHead& head, const char* buf) const;

 private:
  enum class Match : uint8_t { kNo, kYes, kAskJs };
  Match matches(const ClassRule& r, const RequestHead& head, const char* buf) const;
  std::vector<ClassRule> rules_;
  uint8_t default_index_ = kClassifyInJs;
  bool enabled_ = false;
};

}  // namespace brigade::http
