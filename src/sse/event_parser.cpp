// The event stream format; see event_parser.hpp.
#include "sse/event_parser.hpp"

namespace perfgate::sse {

void EventParser::restart() noexcept {
  partial_.clear();
  data_.clear();
  type_.clear();
  has_data_ = false;
  after_cr_ = false;
  at_stream_start_ = true;
  bom_matched_ = 0;
}

void EventParser::end_event() noexcept {
  data_.clear();  // capacity kept: no allocation per event once warm
  type_.clear();
  has_data_ = false;
}

Event EventParser::current() const noexcept {
  std::string_view data = data_;
  if (!data.empty()) data.remove_suffix(1);  // the "\n" after the last data line
  return Event{type_.empty() ? std::string_view("message") : std::string_view(type_), data, last_id_};
}

bool EventParser::line(std::string_view text) noexcept {
  if (text.empty()) {
    if (!has_data_) {
      type_.clear();
      return false;
    }
    ++events_;
    return true;
  }
  if (text.front() == ':') {
    ++comments_;
    return false;
  }
  std::string_view field = text;
  std::string_view value;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    field = text.substr(0, colon);
    value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  } else if (field == "retry") {
    std::uint64_t ms = 0;
    bool digits = !value.empty() && value.size() <= 18;
    for (char c : value) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      ms = ms * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) retry_ms_ = ms;
  }
  return false;
}

}  // namespace perfgate::sse
