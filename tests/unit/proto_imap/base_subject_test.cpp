// Base subject extraction (RFC 5256 §2.1, ABNF §5): leaders, blobs, trailers, the
// "[fwd: ...]" wrapper, whitespace, the reply-or-forward bit, and linear time on hostile
// subjects.
#include <gtest/gtest.h>

#include <string>

#include "proto/imap/base_subject.h"

namespace postamt::proto::imap {
namespace {

struct Case {
  const char* in;
  const char* base;
  bool reply_or_forward;
};

TEST(BaseSubject, RfcRules) {
  const Case cases[] = {
      // Worked from the ABNF: step (2) drops " (fwd)", step (3) drops "Re:", " ",
      // "[list] Fwd:" (*subj-blob subj-refwd) and " ".
      {"Re: [list] Fwd: Hello (fwd)", "Hello", true},
      {"", "", false},
      {"Hello", "Hello", false},
      {"  Hello   World  ", "Hello World", false},
      {"Hello\tWorld\r\n (fwd)", "Hello World", true},
      {"Hello\r\n\tWorld", "Hello World", false},
      // subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
      {"Re: Re: Re: x", "x", true},
      {"RE:x", "x", true},
      {"re :x", "x", true},
      {"Re[2]: x", "x", true},
      {"Re [2] : x", "x", true},
      {"Fw: x", "x", true},
      {"FWD: x", "x", true},
      {"fwd:x", "x", true},
      {"Fw:Re:x", "x", true},
      {"Re:Re:Fwd:  [x]  Re[y]:  z", "z", true},
      {"Ref: x", "Ref: x", false},
      {"Reply: x", "Reply: x", false},
      {"Fwx: x", "Fwx: x", false},
      {"Re x", "Re x", false},
      {"Re[2] x", "Re[2] x", false},
      {"AW: x", "AW: x", false},      // not in the RFC
      {"Ｒｅ: x", "Ｒｅ: x", false},  // fullwidth: only after the caller's casemap (NFKD)
      // Step (3): blobs only go as part of a leader ...
      {"[x] Re: y", "y", true},
      // ... or in step (4) when a non-empty subj-base is left.
      {"[list] x", "x", false},
      {"[list]", "[list]", false},
      {"[list] ", "[list]", false},
      {"[a] [b]", "[b]", false},
      {"[a][b] c", "c", false},
      {"[x] Re y", "Re y", false},
      {"[a] Re: [b] Fwd: [c] d", "d", true},
      {"[[x]] y", "[[x]] y", false},
      {"[x y", "[x y", false},
      {"[] x", "x", false},
      {"[a\tb] x", "x", false},
      // Step (2): subj-trailer = "(fwd)" / WSP, repeated.
      {"x (fwd) (fwd)", "x", true},
      {"x(FWD)", "x", true},
      {"(fwd)", "", true},
      {"(fwd) x", "(fwd) x", false},
      {"x (fw)", "x (fw)", false},
      {"Re:", "", true},
      {"Re: ", "", true},
      {"Re: (fwd)", "", true},
      // Step (6): "[fwd:" subject "]", then again from step (2).
      {"[fwd: x]", "x", true},
      {"[Fwd: Re: [list] x (fwd)]", "x", true},
      {"[FWD:x]", "x", true},
      {"[fwd:]", "", true},
      {"[fwd: [fwd: x]]", "x", true},
      {"Re: [fwd: [list] Re: x]", "x", true},
      {"[fwd: x] y", "y", false},  // the wrapper is a plain blob here (step 4)
      {"[fwd: x", "[fwd: x", false},
      {"[fwd: x] ]", "]", false},  // step (4) removes the blob before step (6) looks
      // Non-ASCII passes through untouched.
      {"Re: Grüße aus Köln", "Grüße aus Köln", true},
      {"[日本] Re: 件名", "件名", true},
  };
  for (const Case& c : cases) {
    BaseSubject b = extract_base_subject(c.in);
    EXPECT_EQ(b.text, c.base) << "'" << c.in << "'";
    EXPECT_EQ(b.reply_or_forward, c.reply_or_forward) << "'" << c.in << "'";
    EXPECT_EQ(base_subject(c.in), c.base);
  }
}

TEST(BaseSubject, Idempotent) {
  const char* samples[] = {"Re: [list] Fwd: Hello (fwd)", "[a] [b]", "[fwd: [fwd: x]]", "x (fwd) y",
                           "[list]", "Re[2] x", "  a  b  "};
  for (const char* s : samples) {
    std::string once = base_subject(s);
    EXPECT_EQ(base_subject(once), once) << s;
  }
}

TEST(BaseSubject, HostileInputStaysLinear) {
  // Each of these would be quadratic with a naive rescan; a few MB must finish instantly.
  std::string blobs;
  for (int i = 0; i < 200000; ++i) blobs += "[a]";
  EXPECT_EQ(base_subject(blobs + "x"), "x");
  EXPECT_EQ(base_subject(blobs), "[a]");
  EXPECT_EQ(base_subject(blobs + "Re: x"), "x");

  std::string res;
  for (int i = 0; i < 200000; ++i) res += "Re: ";
  EXPECT_EQ(base_subject(res + "x"), "x");

  std::string wrapped;
  for (int i = 0; i < 50000; ++i) wrapped += "[fwd: ";
  wrapped += "x";
  for (int i = 0; i < 50000; ++i) wrapped += "]";
  EXPECT_EQ(base_subject(wrapped), "x");

  std::string trailers = "x";
  for (int i = 0; i < 200000; ++i) trailers += " (fwd)";
  EXPECT_EQ(base_subject(trailers), "x");

  std::string open(500000, '[');
  EXPECT_EQ(base_subject(open), open);
  std::string spaces(500000, ' ');
  EXPECT_EQ(base_subject(spaces + "x" + spaces), "x");
}

}  // namespace
}  // namespace postamt::proto::imap
