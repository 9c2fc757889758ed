// Our SVG flame graph: one self-contained file (inline script, no fonts or links fetched) that a
// browser opens. Frames are drawn as FlameGraph's flamegraph.pl lays them out: the root ("all")
// at the bottom, each frame as wide as its share of the samples, children in name order left to
// right, so the same stacks always give the same bytes. Click a frame to zoom into it, "Reset
// Zoom" to go back; "Search" highlights the frames whose name matches a regular expression and
// shows the share of samples they cover; each frame's tooltip (<title>) gives its samples and %.
//
// With a base profile it is a differential flame graph: the new profile's shape, each frame
// coloured by how its share of all samples changed against the same stack in the base (red:
// grew, blue: shrank, the deeper the colour the larger the change; white-grey: unchanged).
//
//   FlameGraphOptions options;
//   options.title = "perfgate profile: pid 4242, 10 s at 99 Hz";
//   write_output_file("cpu.svg", render_flame_graph(stacks, options));
#pragma once

#include <string>

#include "profile/folded_stacks.hpp"

namespace perfgate::profile {

struct FlameGraphOptions {
  std::string title = "CPU flame graph";
  std::string subtitle;                // a second line under the title, "" for none
  const FoldedStacks* base = nullptr;  // set: a differential graph against it
  int width_px = 1200;
  int frame_height_px = 16;
  double min_frame_width_px = 0.1;     // narrower frames (and what they hold) are not drawn
};

std::string render_flame_graph(const FoldedStacks& stacks, const FlameGraphOptions& options);

// Text for XML character data and attribute values: & < > " ' as references; control characters
// and bytes that are not UTF-8 (which no XML parser accepts, escaped or not) as '?'.
std::string xml_text(std::string_view text);

}  // namespace perfgate::profile
