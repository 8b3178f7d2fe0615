"""Messages for the IMAP differential test (tests/e2e/test_imap_diff.py).

`messages()` yields (name, bytes) pairs:

- every message of tests/data/mime-corpus (third-party test messages, see its
  README.md for sources, commits and licenses; they are read, never modified on
  disk), in MANIFEST.tsv order, named "corpus/<path>";
- generated messages for what the corpus lacks, named "gen/<what>": legacy CJK and
  Cyrillic charsets (Big5, Shift_JIS, EUC-JP, ISO-2022-JP, GB2312, GBK, EUC-KR,
  windows-1251, KOI8-R) and ISO-8859-x in subjects, bodies and filenames, RFC 2231
  continuations and charsets, encoded-word variants, address and group edge cases,
  nested message/rfc822, deep and odd multiparts, transfer-encoding edge cases,
  large messages for LARGER/SMALLER.

Everything is generated from code here (deterministic, no random input); nothing
binary is stored. Line endings are CRLF (the corpus files are normalized with
`to_crlf()` by the test: IMAP APPEND wants CRLF, RFC 9051 §6.3.12 / RFC 5322 §2.3).
"""

import base64
import quopri
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parents[1] / "data" / "mime-corpus"

# Words searched for by the SEARCH queries of the differential test; the generator
# puts them in known places.
LEGACY = [
    # (codec, MIME charset name, sample text in that script)
    ("big5", "Big5", "繁體中文測試郵件"),
    ("shift_jis", "Shift_JIS", "日本語のテストメール"),
    ("euc_jp", "EUC-JP", "日本語の件名です"),
    ("iso2022_jp", "ISO-2022-JP", "日本語のメール本文"),
    ("gb2312", "GB2312", "简体中文测试邮件"),
    ("gbk", "GBK", "简体中文附件名称"),
    ("euc_kr", "EUC-KR", "한국어 테스트 메일"),
    ("cp1251", "windows-1251", "Привет, тестовое письмо"),
    ("koi8_r", "KOI8-R", "Здравствуйте, проверка"),
    ("iso8859_1", "ISO-8859-1", "Grüße aus Köln, café"),
    ("iso8859_2", "ISO-8859-2", "Zażółć gęślą jaźń"),
    ("iso8859_5", "ISO-8859-5", "Кириллица ISO"),
    ("iso8859_7", "ISO-8859-7", "Ελληνικά γράμματα"),
    ("iso8859_15", "ISO-8859-15", "Prix en € et œuvre"),
]


def to_crlf(data):
    """Bare LF (and bare CR) line endings -> CRLF."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def corpus_messages():
    manifest = (CORPUS_DIR / "MANIFEST.tsv").read_text().splitlines()
    for line in manifest[1:]:
        path = line.split("\t", 1)[0]
        if path:
            yield f"corpus/{path}", (CORPUS_DIR / path).read_bytes()


# ---- helpers ------------------------------------------------------------------------

def b_word(text, charset, codec):
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def q_word(text, charset, codec):
    raw = text.encode(codec)
    out = []
    for b in raw:
        c = chr(b)
        if b == 0x20:
            out.append("_")
        elif c.isalnum() and b < 0x80:
            out.append(c)
        else:
            out.append(f"={b:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def pct(raw):
    return "".join(chr(b) if (chr(b).isalnum() and b < 0x80) or chr(b) in "-._~" else f"%{b:02X}" for b in raw)


def base_headers(n, subject, extra=""):
    return (f"From: Corpus Generator <gen@corpus.test>\r\n"
            f"To: Receiver <rcpt@example.test>\r\n"
            f"Subject: {subject}\r\n"
            f"Date: Mon, {1 + n % 28:02d} Jun 2020 10:{n % 60:02d}:00 +0200\r\n"
            f"Message-ID: <gen-{n}@corpus.test>\r\n"
            f"X-Generator: postamt-corpus\r\n{extra}")


def mp(boundary, parts, subtype="mixed", preamble="", epilogue="", close=True):
    body = preamble
    for p in parts:
        body += f"--{boundary}\r\n{p}\r\n"
    if close:
        body += f"--{boundary}--\r\n"
    body += epilogue
    return (f"MIME-Version: 1.0\r\nContent-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n", body)


def text_part(text, charset="utf-8", cte="8bit", subtype="plain", codec=None, extra=""):
    raw = text.encode(codec or charset)
    if cte == "base64":
        body = base64.encodebytes(raw).decode().replace("\n", "\r\n")
    elif cte == "quoted-printable":
        body = quopri.encodestring(raw).decode("ascii").replace("\n", "\r\n")
    else:
        body = raw.decode("latin-1")
    return (f"Content-Type: text/{subtype}; charset=\"{charset}\"\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n{extra}\r\n{body}")


def attach(filename_params, data=b"attachment data\r\n" * 3, ctype="application/octet-stream", cte="base64",
           disp="attachment"):
    body = base64.encodebytes(data).decode().replace("\n", "\r\n") if cte == "base64" else data.decode("latin-1")
    return (f"Content-Type: {ctype}\r\n"
            f"Content-Disposition: {disp};{filename_params}\r\n"
            f"Content-Transfer-Encoding: {cte}\r\n\r\n{body}")


def msg(n, subject, body_headers_and_body, extra=""):
    head, body = body_headers_and_body
    return (base_headers(n, subject, extra) + head + body).encode("latin-1")


def single(n, subject, part, extra=""):
    """Single-part message; `part` is 'headers\\r\\n\\r\\nbody' text from text_part()."""
    return (base_headers(n, subject, extra) + "MIME-Version: 1.0\r\n" + part).encode("latin-1")


# ---- generators -----------------------------------------------------------------------

def gen_legacy():
    n = 1000
    for codec, cs, text in LEGACY:
        tag = cs.lower()
        n += 1
        # B-encoded subject, 8bit body in the charset (ISO-2022-JP is 7bit by design).
        cte = "7bit" if codec == "iso2022_jp" else "8bit"
        yield f"gen/{tag}/b-subject-8bit-body", single(n, b_word(text, cs, codec) + " legacytest",
                                                       text_part(text + "\r\nsecond line\r\n", cs, cte, codec=codec))
        n += 1
        yield f"gen/{tag}/q-subject-qp-body", single(n, q_word(text, cs, codec),
                                                     text_part(text + " quoted\r\n", cs, "quoted-printable", codec=codec))
        n += 1
        yield f"gen/{tag}/base64-body-html", single(n, "html " + b_word(text, cs, codec),
                                                    text_part(f"<p>{text}</p>\r\n", cs, "base64", "html", codec=codec))
        n += 1
        # Raw (undeclared) 8-bit subject and From display name.
        raw_subject = text.encode(codec).decode("latin-1")
        yield f"gen/{tag}/raw-8bit-headers", (
            f"From: {raw_subject} <raw@corpus.test>\r\nTo: rcpt@example.test\r\n"
            f"Subject: {raw_subject}\r\nDate: Tue, 02 Jun 2020 11:00:00 +0000\r\n"
            f"Message-ID: <raw-{n}@corpus.test>\r\nContent-Type: text/plain; charset={cs}\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{raw_subject}\r\n").encode("latin-1")
        n += 1
        # Filenames: RFC 2231 with charset, RFC 2231 continuations, RFC 2047 in name=.
        enc = text.encode(codec)
        half = len(enc) // 2
        parts = [
            text_part("see attachments\r\n", "us-ascii", "7bit"),
            attach(f" filename*={cs}'xx'{pct(enc + b'.txt')}"),
            attach(f"\r\n filename*0*={cs}''{pct(enc[:half])};\r\n filename*1*={pct(enc[half:])};\r\n"
                   f" filename*2=\".dat\""),
            attach(f" filename=\"{b_word(text, cs, codec)}.bin\"",
                   ctype=f"application/octet-stream; name=\"{b_word(text, cs, codec)}.bin\""),
        ]
        yield f"gen/{tag}/filenames", msg(n, f"attachments {tag}", mp(f"b-{tag}", parts))


def gen_encoded_words():
    n = 2000
    cases = {
        "q-underscore": "=?iso-8859-1?q?this_is_some_text?=",
        "mixed-case-charset": "=?UtF-8?b?R3LDvMOfZQ==?=",
        "adjacent-words": "=?utf-8?q?a?= =?utf-8?q?b?=  =?utf-8?q?c?=",
        "adjacent-folded": "=?utf-8?b?w6TDtsO8?=\r\n =?utf-8?b?w4TDlsOc?=",
        "split-multibyte": "=?utf-8?b?w6?= =?utf-8?b?TDtg==?=",
        "language": "=?utf-8*de?q?Gr=C3=BC=C3=9Fe?=",
        "invalid-b64": "=?utf-8?b?####?= tail",
        "unknown-charset": "=?x-unknown?q?abc?= def",
        "in-word": "foo=?utf-8?q?bar?=baz",
        "long-folded": " ".join(b_word(f"Zeile {i} mit Umlauten äöü", "utf-8", "utf-8") for i in range(6)).replace(
            " ", "\r\n "),
        "empty-word": "=?utf-8?q??= empty",
        "question-marks": "=?utf-8?q?what=3F_really=3F?=",
        "utf8-raw": "Grüße raw UTF-8 Ümlaut",
        "plain-quotes": 'say "hello" \\ there',
        "tabs": "tab\tseparated\t\tsubject",
    }
    for name, subject in cases.items():
        n += 1
        yield f"gen/ew/{name}", single(n, subject, text_part("body of encoded-word test\r\n", "us-ascii", "7bit"))
    names = {
        "name-b": f"{b_word('Jörg Müller', 'utf-8', 'utf-8')} <joerg@corpus.test>",
        "name-in-quotes": '"=?utf-8?q?J=C3=B6rg?=" <j2@corpus.test>',
        "name-raw-utf8": "Jörg Ünïcode <j3@corpus.test>",
        "name-koi8": f"{b_word('Иван Петров', 'koi8-r', 'koi8_r')} <ivan@corpus.test>",
        "comment-name": "ivan@corpus.test (Ivan in a comment)",
        "quoted-specials": '"Doe, John \\"JD\\"" <jd@corpus.test>',
    }
    for name, frm in names.items():
        n += 1
        yield f"gen/ew/from-{name}", (
            f"From: {frm}\r\nTo: rcpt@example.test\r\nSubject: from {name}\r\n"
            f"Date: Wed, 03 Jun 2020 12:00:00 +0000\r\nMessage-ID: <ew-{n}@corpus.test>\r\n\r\nbody\r\n"
        ).encode("utf-8")


def gen_addresses():
    n = 3000
    cases = {
        "group": "A Group: Ed Jones <c@a.test>, joe@where.test, John <jdoe@one.test>;",
        "empty-group": "undisclosed-recipients:;",
        "groups-mixed": "<a@b.test>, Team: x@t.test, y@t.test;, Other:;, z@c.test",
        "route": "<@r1.test,@r2.test:routed@d.test>",
        "no-domain": "localonly",
        "empty-angle": "<>",
        "display-only": "Just A Name",
        "ip-literal": "user@[192.0.2.1]",
        "quoted-local": '"first last"@q.test',
        "many": ", ".join(f"User {i} <u{i}@many.test>" for i in range(40)),
        "folded": "One <one@f.test>,\r\n\tTwo <two@f.test>,\r\n Three <three@f.test>",
        "trailing-comma": "a@b.test, ",
        "nested-comments": "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
    }
    for name, to in cases.items():
        n += 1
        yield f"gen/addr/{name}", (
            f"From: Sender <sender@corpus.test>\r\nTo: {to}\r\nCc: {to}\r\nSubject: address {name}\r\n"
            f"Date: Thu, 04 Jun 2020 13:00:00 +0000\r\nMessage-ID: <addr-{n}@corpus.test>\r\n\r\nbody\r\n"
        ).encode("utf-8")
    hdrs = {
        "no-from": "To: x@y.test\r\nSubject: no from\r\n",
        "no-headers-at-all": "",
        "only-subject": "Subject: lonely\r\n",
        "sender-replyto": "From: f@x.test\r\nSender: s@x.test\r\nReply-To: r@x.test, r2@x.test\r\nSubject: sr\r\n",
        "empty-fields": "From: f@x.test\r\nSender:\r\nReply-To: \r\nCc:\r\nSubject:\r\nMessage-ID:\r\nIn-Reply-To: \r\n",
        "bcc-inreplyto": "From: f@x.test\r\nBcc: hidden@x.test\r\nIn-Reply-To: <p1@x.test> <p2@x.test>\r\n"
                         "References: <p1@x.test>\r\n",
        "folded-ids": "From: f@x.test\r\nMessage-ID:\r\n <folded-id@x.test>\r\nIn-Reply-To: <a@x.test>\r\n\t<b@x.test>\r\n",
        "date-variants": "From: f@x.test\r\nDate: 5 Jun 2020 14:00 EST\r\n",
        "date-obsolete": "From: f@x.test\r\nDate: Friday, 05-Jun-20 14:00:00 GMT\r\n",
        "long-header": "From: f@x.test\r\nSubject: " + " ".join(["long"] * 400) + "\r\n",
        "space-before-colon": "From : f@x.test\r\nSubject : spaced colon\r\n",
    }
    for name, h in hdrs.items():
        n += 1
        yield f"gen/hdr/{name}", (h + "\r\nbody line\r\n").encode("latin-1")


def rfc822(inner):
    return f"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n{inner}"


def gen_structures():
    n = 4000
    inner = ("From: Inner <inner@corpus.test>\r\nTo: rcpt@example.test\r\nSubject: inner message\r\n"
             "Date: Fri, 05 Jun 2020 15:00:00 +0000\r\nMessage-ID: <inner@corpus.test>\r\nMIME-Version: 1.0\r\n")
    alt = mp("alt-b", [text_part("plain alternative\r\n"), text_part("<b>html alternative</b>\r\n", subtype="html")],
             "alternative")
    inner_mp = inner + alt[0] + alt[1]
    n += 1
    yield "gen/struct/nested-rfc822", msg(n, "nested rfc822", mp("outer", [
        text_part("see the forwarded message\r\n"), rfc822(inner_mp), attach(' filename="a.bin"')]))
    # Two levels of message/rfc822.
    level2 = inner + "Content-Type: multipart/mixed; boundary=\"l2\"\r\n\r\n" + \
        f"--l2\r\n{text_part('level 2 text')}\r\n--l2\r\n{rfc822(inner_mp)}\r\n--l2--\r\n"
    n += 1
    yield "gen/struct/rfc822-in-rfc822", msg(n, "two levels", mp("top", [rfc822(level2)]))
    n += 1
    yield "gen/struct/top-rfc822", (base_headers(n, "top-level rfc822") + "MIME-Version: 1.0\r\n" +
                                    rfc822(inner_mp)).encode("latin-1")
    n += 1
    yield "gen/struct/rfc822-base64", msg(n, "base64 rfc822", mp("b64", [
        "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        base64.encodebytes(inner_mp.encode()).decode().replace("\n", "\r\n")]))
    # Deep nesting of multiparts.
    for depth in (5, 12, 30):
        body = text_part(f"deepest at {depth}\r\n")
        for d in range(depth):
            h, b = mp(f"d{d}", [body, text_part(f"sibling {d}\r\n")], "mixed")
            body = h + b
        n += 1
        yield f"gen/struct/deep-{depth}", (base_headers(n, f"deep {depth}") + body).encode("latin-1")
    related = mp("rel", [text_part('<img src="cid:img1">\r\n', subtype="html"),
                         "Content-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n"
                         "Content-Description: an image\r\nContent-Location: http://example.test/i.png\r\n"
                         "Content-Language: en, de-CH\r\nContent-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n\r\niVBORw0KGgo=",
                         ], "related")
    n += 1
    yield "gen/struct/mixed-alt-related", msg(n, "mixed alternative related", mp("mix", [
        mp("alt2", [text_part("plain version\r\n"), related[0] + related[1]], "alternative")[0] +
        mp("alt2", [text_part("plain version\r\n"), related[0] + related[1]], "alternative")[1],
        attach(' filename="report.pdf"', ctype="application/pdf")]))
    n += 1
    yield "gen/struct/digest", msg(n, "digest", mp("dig", [
        "\r\n" + inner + "Content-Type: text/plain\r\n\r\ndigest entry one\r\n",
        "\r\n" + inner.replace("inner message", "second entry") + "\r\ndigest entry two\r\n"], "digest"))
    n += 1
    yield "gen/struct/preamble-epilogue", msg(n, "preamble", mp("pe", [text_part("x")], preamble="This is a preamble\r\n",
                                                                 epilogue="and an epilogue\r\n"))
    n += 1
    yield "gen/struct/no-close-boundary", msg(n, "no close", mp("nc", [text_part("one"), text_part("two")], close=False))
    n += 1
    yield "gen/struct/empty-parts", msg(n, "empty parts", mp("ep", ["", "Content-Type: text/plain\r\n", "\r\n"]))
    n += 1
    yield "gen/struct/no-boundary-param", (base_headers(n, "no boundary") +
                                           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n"
                                           ).encode()
    n += 1
    yield "gen/struct/boundary-specials", msg(n, "boundary specials", mp("'()+_,-./:=? x", [text_part("a"),
                                                                                          text_part("b")]))
    n += 1
    yield "gen/struct/params-case", (base_headers(n, "params case") +
                                     "MIME-Version: 1.0\r\nContent-Type: Text/HTML; CharSet=ISO-8859-1; Format=Flowed\r\n"
                                     "Content-Transfer-Encoding: Quoted-Printable\r\n"
                                     "Content-Disposition: INLINE; FileName=\"x.html\"\r\n\r\n<p>caf=E9</p>\r\n"
                                     ).encode()
    n += 1
    yield "gen/struct/text-no-charset", (base_headers(n, "text no charset") +
                                         "MIME-Version: 1.0\r\nContent-Type: text/enriched\r\n\r\n<bold>x</bold>\r\n"
                                         ).encode()
    n += 1
    yield "gen/struct/long-lines", single(n, "long lines", text_part(("x" * 5000 + "\r\n") * 5, "us-ascii", "7bit"))
    n += 1
    yield "gen/struct/no-trailing-newline", (base_headers(n, "no newline") + "\r\nlast line without newline"
                                             ).encode()
    n += 1
    yield "gen/struct/header-only", base_headers(n, "header only").encode()


def gen_cte():
    n = 5000
    payload = bytes(range(256)) * 4
    cases = [
        ("base64-valid", "base64", base64.encodebytes(payload).decode().replace("\n", "\r\n")),
        ("base64-no-padding", "base64", "SGVsbG8gV29ybGQ\r\n"),
        ("base64-junk", "base64", "SGVs!!bG8=\r\n"),
        ("base64-concatenated", "base64", "SGVsbG8=\r\nV29ybGQ=\r\n"),
        ("base64-spaces", "base64", "SGVs bG8g\tV29y bGQ=\r\n"),
        ("qp-valid", "quoted-printable", "caf=C3=A9 soft=\r\nbreak trailing   \r\nend=3D\r\n"),
        ("qp-lowercase-hex", "quoted-printable", "caf=c3=a9\r\n"),
        ("qp-invalid-escape", "quoted-printable", "bad =ZZ escape\r\n"),
        ("qp-8bit", "quoted-printable", "raw 8bit \xe4 in qp\r\n"),
        ("uuencode", "x-uuencode", "begin 644 x\r\n#86)C\r\n`\r\nend\r\n"),
        ("binary-cte", "binary", "binary \xff\xfe data\r\n"),
        ("8bit-utf8", "8bit", "UTF-8 \xc3\xa4\xc3\xb6\xc3\xbc\r\n"),
        ("cte-uppercase", "BASE64", "SGVsbG8=\r\n"),
        ("cte-comment", "base64 (comment)", "SGVsbG8=\r\n"),
    ]
    for name, cte, body in cases:
        n += 1
        parts = [text_part("first part\r\n", "us-ascii", "7bit"),
                 f"Content-Type: application/octet-stream; name=\"{name}.bin\"\r\n"
                 f"Content-Transfer-Encoding: {cte}\r\n\r\n{body}"]
        yield f"gen/cte/{name}", msg(n, f"cte {name}", mp(f"cte-{n}", parts))


def gen_sizes():
    n = 6000
    big = base64.encodebytes(bytes((i * 7 + 3) % 256 for i in range(300_000))).decode().replace("\n", "\r\n")
    n += 1
    yield "gen/size/big-attachment", msg(n, "big attachment sizetest", mp("big", [
        text_part("a large attachment follows\r\n"), attach(' filename="big.bin"', data=b"") .replace(
            "\r\n\r\n", "\r\n\r\n" + big, 1)]))
    n += 1
    yield "gen/size/medium-text", single(n, "medium text sizetest",
                                         text_part("lorem ipsum dolor sit amet\r\n" * 2000, "us-ascii", "7bit"))
    n += 1
    yield "gen/size/tiny", b"Subject: t\r\n\r\nx\r\n"


def generated_messages():
    for g in (gen_legacy, gen_encoded_words, gen_addresses, gen_structures, gen_cte, gen_sizes):
        yield from g()


def messages():
    """All (name, bytes) pairs, CRLF-normalized."""
    for name, data in corpus_messages():
        yield name, to_crlf(data)
    for name, data in generated_messages():
        yield name, to_crlf(data)


if __name__ == "__main__":  # python3 tests/e2e/imap_corpus.py: counts per group
    import collections
    counts = collections.Counter(n.split("/")[0] + "/" + n.split("/")[1] for n, _ in messages())
    total = 0
    for k, v in sorted(counts.items()):
        total += v
        print(f"{v:4d} {k}")
    print(f"{total:4d} total")
