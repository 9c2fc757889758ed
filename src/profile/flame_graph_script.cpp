// The flame graph's inline script: zoom on click, Reset Zoom, Search (a regular expression;
// matches highlighted and the share of samples they cover shown), and the frame under the mouse
// on the details line. It works on the data-s (first sample), data-n (samples) and data-d
// (depth) attributes of each frame, so a zoom is exact whatever the rounding of the drawing.
namespace perfgate::profile {

extern const char* const kFlameGraphScript;
const char* const kFlameGraphScript = R"js(
"use strict";
var svg, frames, details, matchedText, unzoomButton, searchButton;
var totalSamples = 0, padX = 10, zoomed = null, searching = false;
var charWidth = 7.2;
function num(g, name) { return parseFloat(g.getAttribute(name)); }
function frameName(g) { return g.querySelector("title").textContent.split("\n")[0]; }
function fitText(g) {
  var rect = g.querySelector("rect"), text = g.querySelector("text");
  var w = parseFloat(rect.getAttribute("width"));
  var name = frameName(g);
  text.setAttribute("x", (parseFloat(rect.getAttribute("x")) + 3).toFixed(2));
  var chars = Math.floor((w - 6) / charWidth);
  if (chars >= name.length) { text.textContent = name; return; }
  text.textContent = chars < 3 ? "" : name.substring(0, chars - 2) + "..";
}
function place(g, x, w) {
  var rect = g.querySelector("rect");
  rect.setAttribute("x", x.toFixed(2));
  rect.setAttribute("width", w.toFixed(2));
  fitText(g);
}
function zoom(target) {
  var s0 = num(target, "data-s"), n0 = num(target, "data-n"), d0 = num(target, "data-d");
  var width = svg.width.baseVal.value - 2 * padX;
  var scale = width / n0;
  zoomed = target;
  for (var i = 0; i < frames.length; i++) {
    var g = frames[i], s = num(g, "data-s"), n = num(g, "data-n"), d = num(g, "data-d");
    g.classList.remove("hide");
    g.classList.remove("parent");
    if (d >= d0 && s >= s0 && s + n <= s0 + n0) {
      place(g, padX + (s - s0) * scale, n * scale);
      if (n * scale < 0.1) g.classList.add("hide");
    } else if (d < d0 && s <= s0 && s + n >= s0 + n0) {
      place(g, padX, width);
      g.classList.add("parent");
    } else {
      g.classList.add("hide");
    }
  }
  if (d0 > 0) unzoomButton.classList.remove("hide"); else unzoomButton.classList.add("hide");
  if (searching) search(searchTerm);
}
function unzoom() { if (frames.length > 0) zoom(frames[0]); }
var searchTerm = "";
function resetSearch() {
  for (var i = 0; i < frames.length; i++) {
    var rect = frames[i].querySelector("rect");
    if (rect.hasAttribute("data-fill")) {
      rect.setAttribute("fill", rect.getAttribute("data-fill"));
      rect.removeAttribute("data-fill");
    }
  }
  searching = false;
  searchButton.textContent = "Search";
  matchedText.textContent = " ";
}
function search(term) {
  var re;
  try { re = new RegExp(term); } catch (e) { matchedText.textContent = "Bad expression"; return; }
  resetSearch();
  searchTerm = term;
  var root = zoomed || frames[0];
  var s0 = num(root, "data-s"), n0 = num(root, "data-n");
  var spans = [];
  for (var i = 0; i < frames.length; i++) {
    var g = frames[i];
    if (!re.test(frameName(g))) continue;
    var rect = g.querySelector("rect");
    rect.setAttribute("data-fill", rect.getAttribute("fill"));
    rect.setAttribute("fill", "rgb(230,0,230)");
    var s = num(g, "data-s"), n = num(g, "data-n");
    var from = Math.max(s, s0), to = Math.min(s + n, s0 + n0);
    if (to > from) spans.push([from, to]);
  }
  searching = true;
  searchButton.textContent = "Reset Search";
  // A match inside another match covers the same samples: count each sample once.
  spans.sort(function(a, b) { return a[0] - b[0] || b[1] - a[1]; });
  var covered = 0, end = -1;
  for (var k = 0; k < spans.length; k++) {
    var from = Math.max(spans[k][0], end);
    if (spans[k][1] > from) { covered += spans[k][1] - from; end = spans[k][1]; }
  }
  var pct = n0 > 0 ? 100 * covered / n0 : 0;
  matchedText.textContent = "Matched: " + (pct == 100 ? "100" : pct.toFixed(1)) + "%";
}
function askSearch() {
  if (searching) { resetSearch(); return; }
  var term = prompt("Search for (regular expression):", searchTerm);
  if (term) search(term);
}
window.addEventListener("load", function() {
  svg = document.documentElement;
  frames = document.querySelectorAll("g.f");
  details = document.getElementById("details");
  matchedText = document.getElementById("matched");
  unzoomButton = document.getElementById("unzoom");
  searchButton = document.getElementById("search");
  totalSamples = parseFloat(svg.getAttribute("data-total"));
  padX = parseFloat(svg.getAttribute("data-pad"));
  for (var i = 0; i < frames.length; i++) {
    frames[i].addEventListener("click", function(e) { zoom(e.currentTarget); });
    frames[i].addEventListener("mouseover", function(e) {
      details.textContent = frameName(e.currentTarget) + ": " +
          e.currentTarget.querySelector("title").textContent.split("\n").slice(1).join("; ");
    });
    frames[i].addEventListener("mouseout", function() { details.textContent = " "; });
  }
  unzoomButton.addEventListener("click", unzoom);
  searchButton.addEventListener("click", askSearch);
  window.addEventListener("keydown", function(e) {
    if ((e.ctrlKey || e.metaKey) && e.key == "f") { e.preventDefault(); askSearch(); }
    if (e.key == "Escape") { resetSearch(); unzoom(); }
  });
});
)js";

}  // namespace perfgate::profile
