// Corpus and robustness tests: every message of tests/data/mime-corpus (third-party
// real-world and torture messages, see its README.md) must parse with all structural
// invariants; synthetic hostile messages check the limits and linear behaviour.
// RFCs: 2046 §5.1.1 (delimiters), 3501 §7.4.2 (line counts).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "mime/mime.h"
#include "mime_test_util.h"

using namespace postamt::mime;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> corpus_paths() {
  std::vector<std::string> out;
  std::istringstream manifest(read_file(std::string(POSTAMT_CORPUS_DIR) + "/MANIFEST.tsv"));
  std::string line;
  bool header = true;
  while (std::getline(manifest, line)) {
    if (header) {  // "path bytes sha256 has_crlf top_content_type"
      header = false;
      continue;
    }
    std::string path = line.substr(0, line.find('\t'));
    if (!path.empty()) out.push_back(path);
  }
  return out;
}

}  // namespace

TEST(Corpus, EveryMessageParsesWithInvariants) {
  auto paths = corpus_paths();
  ASSERT_GE(paths.size(), 300u);
  size_t multipart = 0, messages = 0;
  for (const auto& rel : paths) {
    std::string m = read_file(std::string(POSTAMT_CORPUS_DIR) + "/" + rel);
    ASSERT_FALSE(m.empty()) << rel;
    auto pm = parse(m);
    EXPECT_EQ(pm.root.offset, 0u) << rel;
    EXPECT_EQ(pm.root.header_size + pm.root.body_size, m.size()) << rel;
    size_t depth = test::check_tree(pm.root, m, rel);
    EXPECT_LE(depth, Limits{}.max_depth) << rel;
    if (!pm.root.children.empty()) ++multipart;
    (void)make_preview(pm, m);
    if (pm.envelope.date) (void)parse_date(*pm.envelope.date);
    if (pm.envelope.subject) (void)decode_encoded_words(*pm.envelope.subject);
    ++messages;
  }
  EXPECT_EQ(messages, paths.size());
  EXPECT_GT(multipart, 50u);
}

TEST(Corpus, KnownTopLevelTypesMatchManifest) {
  // The manifest's top_content_type column is the first Content-Type as written; where
  // it is a plain type/subtype token our parser must agree.
  std::istringstream manifest(read_file(std::string(POSTAMT_CORPUS_DIR) + "/MANIFEST.tsv"));
  std::string line;
  std::getline(manifest, line);
  size_t compared = 0;
  while (std::getline(manifest, line)) {
    std::vector<std::string> cols;
    std::istringstream ls(line);
    for (std::string c; std::getline(ls, c, '\t');) cols.push_back(c);
    if (cols.size() < 5 || cols[4] == "(none)" || cols[4].find('/') == std::string::npos) continue;
    std::string m = read_file(std::string(POSTAMT_CORPUS_DIR) + "/" + cols[0]);
    auto pm = parse(m);
    std::string got = pm.root.type + "/" + pm.root.subtype;
    auto ct = parse_content_type(cols[4]);
    if (!ct.valid) continue;
    // A message may have no blank line before the Content-Type or put it after junk; only
    // compare when our header actually contains one.
    auto fields = parse_header(std::string_view(m).substr(0, pm.root.header_size));
    const HeaderField* f = find_field(fields, "Content-Type");
    if (!f || !parse_content_type(unfold(f->value)).valid) continue;
    EXPECT_EQ(got, ct.type + "/" + ct.subtype) << cols[0];
    ++compared;
  }
  EXPECT_GT(compared, 150u);
}

TEST(Limits, DeepNestingIsBounded) {
  // 10,000 nested multiparts, each opening a new boundary: only max_depth levels are
  // parsed, the rest is opaque; no stack overflow.
  std::string m;
  const int kDepth = 10000;
  for (int i = 0; i < kDepth; ++i)
    m += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" + std::to_string(i) +
         "\r\n";
  m += "\r\nleaf\r\n";
  auto pm = parse(m);
  EXPECT_TRUE(pm.limit_hit);
  size_t depth = test::check_tree(pm.root, m, "deep");
  EXPECT_EQ(depth, Limits{}.max_depth);

  // The same with message/rfc822 nesting and a huge caller limit (capped internally).
  std::string r;
  for (int i = 0; i < kDepth; ++i) r += "Content-Type: message/rfc822\r\n\r\n";
  r += "Subject: leaf\r\n\r\nx";
  Limits big;
  big.max_depth = SIZE_MAX;
  auto pr = parse(r, big);
  EXPECT_TRUE(pr.limit_hit);
  EXPECT_EQ(test::check_tree(pr.root, r, "deep rfc822"), kMaxSupportedDepth);
}

TEST(Limits, ManyPartsAreBounded) {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 100000; ++i) m += "--b\r\n\r\np\r\n";
  m += "--b--\r\n";
  auto pm = parse(m);
  EXPECT_TRUE(pm.limit_hit);
  EXPECT_EQ(pm.root.children.size(), Limits{}.max_parts - 1);  // the root counts too
  test::check_tree(pm.root, m, "many");
  EXPECT_EQ(pm.root.header_size + pm.root.body_size, m.size());
}

TEST(Limits, ManyHeaderFieldsAreBounded) {
  std::string m;
  for (int i = 0; i < 6000; ++i) m += "X-A: b\r\n";
  m += "Content-Type: text/html\r\n\r\nbody";
  auto pm = parse(m);
  EXPECT_TRUE(pm.limit_hit);
  EXPECT_EQ(pm.root.type, "text");
  EXPECT_EQ(pm.root.subtype, "plain");  // beyond the limit: not seen
  EXPECT_EQ(pm.root.header_size + pm.root.body_size, m.size());
}

TEST(Limits, TwentyMegabyteMessage) {
  std::string m = "Content-Type: multipart/mixed; boundary=zz\r\n\r\n";
  std::string line(76, 'A');
  line += "\r\n";
  int part = 0;
  while (m.size() < 20u * 1024 * 1024) {
    m += "--zz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    for (int i = 0; i < 5000; ++i) m += (i % 100 == 0) ? "--z not a boundary\r\n" : line;
    ++part;
  }
  m += "--zz--\r\n";
  auto pm = parse(m);
  EXPECT_FALSE(pm.limit_hit);
  EXPECT_EQ(pm.root.children.size(), static_cast<size_t>(part));
  test::check_tree(pm.root, m, "20MB");
  // Line-heavy variant without any boundary: one leaf.
  std::string lines(20u * 1024 * 1024, '\n');
  auto pl = parse(lines);
  EXPECT_EQ(pl.root.header_size, 1u);
  EXPECT_EQ(pl.root.body_lines, lines.size() - 1);
}
