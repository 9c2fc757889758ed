// Request templates: text with ${seq}, ${uuid}, ${rand:MIN-MAX}, ${now_ms}, ${request_id} and
// ${callback_url} in it (a URL, a header value, a body, an exec payload, an SSE publish body).
// A template is compiled once, before the run, into literal pieces and slots; each request
// expands it into the caller's buffer with no allocation.
//
//   auto body = TextTemplate::compile(R"({"update_id": ${seq}, "id": "${uuid}"})");
//   char* end = body.expand(buffer, values);   // buffer holds at least body.max_size() bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace perfgate {

// What one expansion fills the slots with. The caller fills seq, now_ms (only when the
// template uses them) and keeps one rng_state per thread.
struct TemplateValues {
  std::uint64_t seq = 0;            // one value per request wherever it appears
  std::uint32_t run_nonce = 0;      // random per run
  std::uint64_t now_ms = 0;         // wall clock, ms since the epoch
  std::string_view callback_url;    // "http://127.0.0.1:PORT/callback" or empty
  std::uint64_t* rng_state = nullptr;  // the caller's per-thread random state (uuid, rand)
};

// A template that does not compile (exit 2). The message names the ${name} and its byte
// offset in the text (0-based); callers put the option or file:line:column in front.
class TemplateError : public UsageError {
 public:
  TemplateError(std::string name, std::size_t position, const std::string& message)
      : UsageError(message), name_(std::move(name)), position_(position) {}
  // The name between the braces ("foo" for ${foo}); for an unterminated "${" the text after it.
  const std::string& name() const { return name_; }
  // The byte offset of the '$' of the bad "${" in the text.
  std::size_t position() const { return position_; }

 private:
  std::string name_;
  std::size_t position_;
};

class TextTemplate {
 public:
  // ${callback_url} longer than this is cut to it, so max_size() is a true bound.
  static constexpr std::size_t kMaxCallbackUrlSize = 256;

  TextTemplate() = default;
  static TextTemplate compile(std::string_view text);   // throws TemplateError
  bool is_literal() const { return slots_ == 0; }        // no ${...} at all ("$${" is a literal "${")
  const std::string& literal() const { return literals_; }  // the text when is_literal()
  bool uses_seq() const { return uses_seq_; }            // seq or request_id appear
  bool uses_callback_url() const { return uses_callback_url_; }
  bool uses_now_ms() const { return uses_now_ms_; }
  bool uses_random() const { return uses_random_; }      // uuid or rand appear
  std::size_t max_size() const { return max_size_; }     // upper bound of one expansion
  // Writes at most max_size() bytes at `out` and returns the end. No allocation.
  char* expand(char* out, const TemplateValues& values) const;
  // The expansion as a string: for tests and for values expanded once (allocates).
  std::string expand_to_string(const TemplateValues& values) const;

 private:
  enum class Kind : std::uint8_t { kLiteral, kSeq, kUuid, kRand, kNowMs, kRequestId, kCallbackUrl };
  struct Piece {
    Kind kind = Kind::kLiteral;
    std::uint32_t offset = 0;   // kLiteral: the piece's bytes in literals_
    std::uint32_t length = 0;
    std::uint64_t min = 0;      // kRand: the inclusive range
    std::uint64_t max = 0;
  };
  std::vector<Piece> pieces_;
  std::string literals_;
  std::size_t slots_ = 0;
  std::size_t max_size_ = 0;
  bool uses_seq_ = false;
  bool uses_callback_url_ = false;
  bool uses_now_ms_ = false;
  bool uses_random_ = false;
};

// Whether `name` (the text between "${" and "}") is one of the template's variables: seq, uuid,
// now_ms, request_id, callback_url, or rand:... (its range checked by compile). A suite's
// environment interpolation leaves these for the template.
bool is_template_variable(std::string_view name);

// ${request_id} expands to "<run_nonce as 8 lowercase hex>-<seq in decimal>", e.g. "8f3a2c1d-42".
std::string format_request_id(std::uint32_t run_nonce, std::uint64_t seq);
std::optional<std::uint64_t> parse_request_id(std::string_view id, std::uint32_t run_nonce);  // nullopt: not ours

// A fresh random run nonce and a per-thread random state seed (from std::random_device).
std::uint32_t random_run_nonce();
std::uint64_t random_seed();

}  // namespace perfgate
