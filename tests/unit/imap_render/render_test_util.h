// Helpers for the render tests: summary of a message text (delivery::summarize, the
// same code delivery and APPEND run), corpus file list, file reading.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "delivery/summary.h"
#include "imap/render/summary.h"

namespace postamt::imap::render::testing {

inline Summary summarize(std::string_view message) {
  auto s = Summary::parse(delivery::summarize(message).summary_json);
  if (!s) {
    ADD_FAILURE() << "summary does not parse: " << s.error().describe();
    return *Summary::parse(delivery::summarize("").summary_json);
  }
  return std::move(*s);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Paths of every corpus message (tests/data/mime-corpus/MANIFEST.tsv).
inline std::vector<std::string> corpus_paths() {
  std::vector<std::string> out;
  std::istringstream manifest(read_file(std::string(POSTAMT_CORPUS_DIR) + "/MANIFEST.tsv"));
  std::string line;
  bool header = true;
  while (std::getline(manifest, line)) {
    if (header) {
      header = false;
      continue;
    }
    auto tab = line.find('\t');
    if (tab != std::string::npos) out.push_back(std::string(POSTAMT_CORPUS_DIR) + "/" + line.substr(0, tab));
  }
  return out;
}

// "\n" -> "\r\n" for readable test messages.
inline std::string crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace postamt::imap::render::testing
