"""A corpus of hostile and broken uploads the tests generate: every one must end as an essay
graded safely or a problem named with its file, never a server error or lost neighbours."""

from __future__ import annotations

import io
import zipfile

from tests.documents import csv_bytes, make_docx, make_pdf, make_zip, rewrite_pdf

ESSAYISH = ("Stalin's industrialisation was a success for heavy industry but a failure for the "
            "peasants, because the Five-Year Plans raised steel output while famine killed "
            "millions in 1932. ") * 4


def _docx_with_entities() -> bytes:
    """A .docx whose document.xml declares a 'billion laughs' entity expansion."""
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{"&lol%s;" % ("" if i == 1 else i - 1) * 10}">'
                        for i in range(1, 10))
              + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                '2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>'
                '</w:document>')
    source = zipfile.ZipFile(io.BytesIO(make_docx(["placeholder"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = laughs.encode() if item.filename == "word/document.xml" else \
                source.read(item.filename)
            out.writestr(item, data)
    return buffer.getvalue()


def _zip_flagged_encrypted() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("secret.txt")
        info.flag_bits |= 0x1
        archive.writestr(info, ESSAYISH)
    return buffer.getvalue()


def _many_entries(count: int) -> bytes:
    return make_zip({f"e{i}.txt": b"x" for i in range(count)}, zipfile.ZIP_STORED)


def hostile_files() -> dict[str, bytes]:
    """At least 50 named files, each broken or hostile in its own way."""
    pdf = make_pdf([ESSAYISH])
    files = {
        # archives
        "bomb.zip": make_zip({"bomb.txt": b"a" * 30_000_000}),
        "nested.zip": make_zip({"inner.zip": make_zip({"x.txt": ESSAYISH.encode()})}),
        "traversal.zip": make_zip({"../../etc/passwd.txt": ESSAYISH.encode()}),
        "absolute.zip": make_zip({"/etc/shadow.txt": ESSAYISH.encode()}),
        "backslashes.zip": make_zip({"..\\..\\windows\\win.ini.txt": ESSAYISH.encode()}),
        "encrypted.zip": _zip_flagged_encrypted(),
        "many-entries.zip": _many_entries(3000),
        "empty.zip": make_zip({}),
        "truncated.zip": make_zip({"a.txt": ESSAYISH.encode()})[:40],
        "not-a.zip": b"PK\x03\x04 this is not really an archive",
        "only-junk.zip": make_zip({"__MACOSX/._a.txt": b"\x00\x05", ".DS_Store": b"\x00"}),
        "zip-with-rar.zip": make_zip({"notes.rar": b"Rar!\x1a\x07\x00"}),
        # word documents
        "entities.docx": _docx_with_entities(),
        "empty.docx": make_docx([]),
        "text-as.docx": ESSAYISH.encode(),
        "zip-as.docx": make_zip({"word/other.xml": b"<x/>"}),
        "old-word.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
        # pdfs
        "encrypted.pdf": rewrite_pdf(pdf, user_password="secret"),
        "truncated.pdf": pdf[: len(pdf) // 2],
        "image-only.pdf": make_pdf([""]),
        "garbage.pdf": b"%PDF-1.4\n" + bytes(range(256)) * 20,
        "text-as.pdf": ESSAYISH.encode(),
        "no-header.pdf": pdf[9:],
        # sizes
        "empty.txt": b"",
        "blank.txt": b"   \n\t\n   ",
        "huge.txt": b"word " * 1_300_000,
        "one-word.txt": b"Stalin",
        # encodings and characters
        "binary.txt": bytes(range(256)) * 8,
        "png-as.txt": b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
        "nul-bytes.txt": ESSAYISH.encode().replace(b" ", b"\x00"),
        "control-chars.txt": (ESSAYISH + "\x07\x08\x1b[31m\x0c").encode(),
        "rtl-override.txt": ("\u202eStalin's plan\u202c " + ESSAYISH).encode(),
        "zero-width.txt": ESSAYISH.replace(" ", "\u200b ").encode(),
        "utf16-no-bom.txt": ESSAYISH.encode("utf-16-le"),
        "utf16-bom.txt": ESSAYISH.encode("utf-16"),
        "latin1.txt": (ESSAYISH + " café déjà").encode("latin-1"),
        "invalid-utf8.txt": ESSAYISH.encode() + b"\xc3\x28\xa0\xa1",
        "emoji.txt": (ESSAYISH + " 🏭🚂🔥" * 50).encode(),
        "html-script.txt": ("<script>alert(1)</script><img src=x onerror=alert(2)> "
                            + ESSAYISH).encode(),
        "one-long-line.txt": ("x" * 200_000).encode(),
        "markup-only.txt": b"<html><body><p></p></body></html>",
        # spreadsheets
        "formula.csv": csv_bytes([["student", "essay"], ["=HYPERLINK(\"http://evil\")",
                                                         ESSAYISH],
                                  ["+cmd|' /C calc'!A0", ESSAYISH], ["@SUM(1+1)", ESSAYISH]]),
        "unbalanced-quotes.csv": b'student,essay\nann,"never closed\nben,' + ESSAYISH.encode(),
        "wide.csv": csv_bytes([[f"c{i}" for i in range(5000)], ["v"] * 5000]),
        "header-only.csv": b"student,essay\n",
        "no-header.csv": b"",
        "ragged.csv": b"student,essay\nann," + ESSAYISH.encode() + b",extra,cells\n",
        "nul.csv": b"student,essay\nann,\x00\x00\x00\n",
        "semicolons.csv": csv_bytes([["student", "essay"], ["ann", ESSAYISH]], delimiter=";"),
        # names and types
        "../../escape.txt": ESSAYISH.encode(),
        "C:\\Windows\\evil.txt": ESSAYISH.encode(),
        "no-extension": ESSAYISH.encode(),
        "archive.rar": b"Rar!\x1a\x07\x00",
        "script.exe": b"MZ\x90\x00" + b"\x00" * 100,
        "page.html": b"<html><script>alert(1)</script></html>",
        "image.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        "TRAILING-DOT.txt.": ESSAYISH.encode(),
        "UPPER.TXT": ESSAYISH.encode(),
    }
    return files
