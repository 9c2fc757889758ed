// The SVG flame graph renderer; see flame_graph.hpp. The interactive part is flame_graph_script.cpp.
#include "profile/flame_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>

#include <fmt/format.h>

namespace perfgate::profile {

extern const char* const kFlameGraphScript;  // flame_graph_script.cpp

namespace {

struct Node {
  std::string name;
  std::uint64_t count = 0;
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;  // name order: a stable layout
};

Node build_tree(const FoldedStacks& stacks) {
  Node root;
  root.name = "all";
  for (const auto& [stack, count] : stacks.counts) {
    root.count += count;
    Node* node = &root;
    std::string_view rest = stack;
    while (true) {
      std::size_t semicolon = rest.find(';');
      std::string_view frame = rest.substr(0, semicolon);
      auto at = node->children.find(frame);
      if (at == node->children.end()) {
        auto child = std::make_unique<Node>();
        child->name = std::string(frame);
        at = node->children.emplace(child->name, std::move(child)).first;
      }
      node = at->second.get();
      node->count += count;
      if (semicolon == std::string_view::npos) break;
      rest.remove_prefix(semicolon + 1);
    }
  }
  return root;
}

int depth_of(const Node& node) {
  int deepest = 0;
  for (const auto& [name, child] : node.children) deepest = std::max(deepest, 1 + depth_of(*child));
  return deepest;
}

// A frame's colour from its name, so one function has one colour everywhere (FlameGraph's "hot"
// palette: reds, oranges and yellows).
std::string hot_colour(std::string_view name) {
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  const double v1 = static_cast<double>(hash & 0xffu) / 255.0;
  const double v2 = static_cast<double>((hash >> 8) & 0xffu) / 255.0;
  const double v3 = static_cast<double>((hash >> 16) & 0xffu) / 255.0;
  return fmt::format("rgb({},{},{})", 205 + static_cast<int>(50 * v3), static_cast<int>(230 * v1),
                     static_cast<int>(55 * v2));
}

// Red for a share that grew, blue for one that shrank, by the size of the change against the
// largest change in the graph; grey-white when unchanged.
std::string diff_colour(double change, double largest) {
  const double t = largest > 0 ? std::min(1.0, std::abs(change) / largest) : 0.0;
  const int faded = 230 - static_cast<int>(std::lround(200 * t));
  if (change > 0) return fmt::format("rgb(255,{},{})", faded, faded);
  if (change < 0) return fmt::format("rgb({},{},255)", faded, faded);
  return "rgb(230,230,230)";
}

std::string with_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

class Renderer {
 public:
  Renderer(const FlameGraphOptions& options, std::uint64_t total, std::uint64_t base_total, int depth)
      : options_(options), total_(total), base_total_(base_total) {
    scale_ = total_ > 0 ? (options_.width_px - 2 * kPadX) / static_cast<double>(total_) : 0.0;
    height_ = kTop + (depth + 1) * options_.frame_height_px + kBottom;
  }

  int height() const { return height_; }

  // The largest change of share over the frames that are drawn, for the colour scale.
  double largest_change(const Node& node, const Node* base, int depth) const {
    if (static_cast<double>(node.count) * scale_ < options_.min_frame_width_px && depth > 0) return 0;
    double largest = std::abs(change_of(node, base));
    for (const auto& [name, child] : node.children) {
      largest = std::max(largest, largest_change(*child, find_child(base, name), depth + 1));
    }
    return largest;
  }

  void draw(const Node& node, const Node* base, std::uint64_t start, int depth, std::string& out) const {
    const double width = static_cast<double>(node.count) * scale_;
    if (width < options_.min_frame_width_px && depth > 0) return;
    const double x = kPadX + static_cast<double>(start) * scale_;
    const int y = height_ - kBottom - (depth + 1) * options_.frame_height_px;
    const std::string name = xml_text(node.name);
    const double pct = total_ > 0 ? 100.0 * static_cast<double>(node.count) / static_cast<double>(total_) : 0.0;
    std::string tooltip = fmt::format("{}\n{} samples ({:.2f}%)", name, with_thousands(node.count), pct);
    std::string fill = hot_colour(node.name);
    if (options_.base != nullptr) {
      const std::uint64_t before = base == nullptr ? 0 : base->count;
      const double before_pct =
          base_total_ > 0 ? 100.0 * static_cast<double>(before) / static_cast<double>(base_total_) : 0.0;
      const double change = change_of(node, base);
      tooltip += fmt::format("\nbase: {} samples ({:.2f}%); change {:+.2f} points", with_thousands(before),
                             before_pct, 100.0 * change);
      fill = diff_colour(change, largest_change_);
    }
    out += fmt::format(
        "<g class=\"f\" data-s=\"{}\" data-n=\"{}\" data-d=\"{}\"><title>{}</title>"
        "<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\" rx=\"2\" ry=\"2\"/>"
        "<text x=\"{:.2f}\" y=\"{}\">{}</text></g>\n",
        start, node.count, depth, tooltip, x, y, width, options_.frame_height_px - 1, fill, x + 3,
        y + options_.frame_height_px - 4, xml_text(fitted(node.name, width)));
    std::uint64_t child_start = start;
    for (const auto& [child_name, child] : node.children) {
      draw(*child, find_child(base, child_name), child_start, depth + 1, out);
      child_start += child->count;
    }
  }

  void set_largest_change(double largest) { largest_change_ = largest; }

  static constexpr double kPadX = 10;
  static constexpr int kTop = 48;     // title, subtitle and the buttons
  static constexpr int kBottom = 28;  // the details line

 private:
  static const Node* find_child(const Node* node, std::string_view name) {
    if (node == nullptr) return nullptr;
    auto at = node->children.find(name);
    return at == node->children.end() ? nullptr : at->second.get();
  }

  double change_of(const Node& node, const Node* base) const {
    if (options_.base == nullptr || total_ == 0) return 0;
    const double now = static_cast<double>(node.count) / static_cast<double>(total_);
    const double before = base == nullptr || base_total_ == 0
                              ? 0.0
                              : static_cast<double>(base->count) / static_cast<double>(base_total_);
    return now - before;
  }

  // The name cut to what fits the frame at 12 px monospace ("name.." when cut), as the script does.
  static std::string fitted(const std::string& name, double width) {
    const auto chars = static_cast<std::size_t>(std::max(0.0, (width - 6) / kCharWidth));
    if (chars >= name.size()) return name;
    if (chars < 3) return "";
    std::string cut = name.substr(0, chars - 2);
    // Never cut a UTF-8 sequence in two.
    while (!cut.empty() && (static_cast<unsigned char>(cut.back()) & 0xC0u) == 0x80u) cut.pop_back();
    if (!cut.empty() && static_cast<unsigned char>(cut.back()) >= 0xC0u) cut.pop_back();
    return cut + "..";
  }

  static constexpr double kCharWidth = 7.2;

  const FlameGraphOptions& options_;
  std::uint64_t total_;
  std::uint64_t base_total_;
  double scale_ = 0;
  int height_ = 0;
  double largest_change_ = 0;
};

bool valid_utf8_at(std::string_view text, std::size_t i, std::size_t& length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::uint32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4, min = 0x10000;
  } else {
    return false;
  }
  if (i + length > text.size()) return false;
  std::uint32_t code = c & (0xFFu >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return false;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  return code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF) && code != 0xFFFE && code != 0xFFFF;
}

}  // namespace

std::string xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      std::size_t length = 0;
      if (valid_utf8_at(text, i, length)) {
        out.append(text.substr(i, length));
        i += length;
      } else {
        out += '?';
        ++i;
      }
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': out += '\n'; break;
      default: out += (u < 0x20 || u == 0x7F) ? '?' : c;
    }
    ++i;
  }
  return out;
}

std::string render_flame_graph(const FoldedStacks& stacks, const FlameGraphOptions& options) {
  const Node root = build_tree(stacks);
  std::unique_ptr<Node> base;
  if (options.base != nullptr) base = std::make_unique<Node>(build_tree(*options.base));
  Renderer renderer(options, root.count, base ? base->count : 0, depth_of(root));
  if (base) renderer.set_largest_change(renderer.largest_change(root, base.get(), 0));

  const int width = options.width_px;
  const int height = renderer.height();
  std::string out;
  out += "<?xml version=\"1.0\" standalone=\"no\"?>\n";
  out += fmt::format(
      "<svg version=\"1.1\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" xmlns=\"http://www.w3.org/2000/svg\" "
      "data-total=\"{2}\" data-pad=\"{3}\" data-diff=\"{4}\">\n",
      width, height, root.count, Renderer::kPadX, options.base != nullptr ? 1 : 0);
  out +=
      "<style>\n"
      "text { font-family: monospace; font-size: 12px; fill: rgb(0,0,0); }\n"
      "#title { font-size: 17px; text-anchor: middle; }\n"
      "#subtitle { text-anchor: middle; fill: rgb(90,90,90); }\n"
      "#unzoom, #search { cursor: pointer; }\n"
      ".hide { display: none; }\n"
      "g.f { cursor: pointer; }\n"
      "g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
      "g.f text { pointer-events: none; }\n"
      "g.parent { opacity: 0.5; }\n"
      "</style>\n";
  out += "<script type=\"text/ecmascript\"><![CDATA[\n";
  out += kFlameGraphScript;
  out += "]]></script>\n";
  out += fmt::format("<rect class=\"background\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"rgb(248,248,244)\"/>\n",
                     width, height);
  out += fmt::format("<text id=\"title\" x=\"{}\" y=\"20\">{}</text>\n", width / 2, xml_text(options.title));
  if (!options.subtitle.empty()) {
    out += fmt::format("<text id=\"subtitle\" x=\"{}\" y=\"38\">{}</text>\n", width / 2, xml_text(options.subtitle));
  }
  out += "<text id=\"unzoom\" class=\"hide\" x=\"10\" y=\"20\">Reset Zoom</text>\n";
  out += fmt::format("<text id=\"search\" x=\"{}\" y=\"20\">Search</text>\n", width - 110);
  out += fmt::format("<text id=\"details\" x=\"10\" y=\"{}\"> </text>\n", height - 10);
  out += fmt::format("<text id=\"matched\" x=\"{}\" y=\"{}\"> </text>\n", width - 160, height - 10);
  out += "<g id=\"frames\">\n";
  if (root.count > 0) {
    renderer.draw(root, base.get(), 0, 0, out);
  } else {
    out += fmt::format("<text x=\"{}\" y=\"{}\">no samples</text>\n", width / 2 - 40, height / 2);
  }
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace perfgate::profile
