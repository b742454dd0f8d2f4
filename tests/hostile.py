"""A corpus of hostile and broken uploads the tests generate: every one must end as an essay
graded safely or a problem named with its file, never a server error or lost neighbours."""

from __future__ import annotations

import io
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass

import requests

from tests.documents import (
    csv_bytes,
    make_docx,
    make_pdf,
    make_zip,
    pdf_from_objects,
    rewrite_pdf,
)

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
    return _docx_with_document(laughs.encode())


def shared_stream_pdf(pages: int = 20, stream_bytes: int = 1_000_000,
                      operation: bytes = b"BT /F1 11 Tf 72 740 Td (a) Tj ET\n") -> bytes:
    """A few-KB PDF whose pages all draw one compressed content stream of ``stream_bytes``: the
    text extractor reads the stream once per page (20 pages of 1 MB took 34.7 s in a web
    thread). The default operation writes a letter; b"0 0 m 1 1 l S\n" draws a line, no text."""
    stream = zlib.compress(operation * (stream_bytes // len(operation)), 9)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
    }
    kids = [b"%d 0 R" % (5 + page) for page in range(pages)]
    for page in range(pages):
        objects[5 + page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                             b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), pages)
    return pdf_from_objects(objects)


def bloated_docx(xml_bytes: int = 45_000_000) -> bytes:
    """A ~150 KB .docx whose document.xml unpacks to ``xml_bytes`` of one-letter paragraphs
    (45 MB took 51.9 s and left the web worker at 683 MB)."""
    paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>"
    document = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body>'
                + paragraph * (xml_bytes // len(paragraph)) + b"</w:body></w:document>")
    return _docx_with_document(document)


def _docx_with_document(document: bytes) -> bytes:
    """The python-docx default document with its word/document.xml replaced."""
    source = zipfile.ZipFile(io.BytesIO(make_docx(["placeholder"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = document if item.filename == "word/document.xml" else \
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
        "shared-stream.pdf": shared_stream_pdf(operation=b"0 0 m 1 1 l S\n"),
        "many-pages.pdf": make_pdf(["x"] * 101),
        "bloated.docx": bloated_docx(),
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


# --- Attacks on a running service, each raced against a normal student's draft ---------------

NORMAL_DRAFT = (
    "Stalin's industrialisation transformed the Soviet Union between 1928 and 1941, but at a "
    "terrible human cost. The First Five-Year Plan set targets for coal, steel and electricity "
    "that factories struggled to meet, and Magnitogorsk was built from nothing. However, "
    "collectivisation seized grain from the peasants to feed the cities, and the famine of "
    "1932 killed millions in Ukraine. Therefore the plans succeeded for heavy industry while "
    "they failed the people who paid for them.\n\n") * 3


@dataclass(frozen=True)
class Attack:
    """One hostile submission: who sends it (an attacking student, or a teacher for batches),
    how, and the answers that mean it was handled."""

    name: str
    path: str
    json: dict | None = None
    files: dict[str, tuple[str, bytes]] | None = None
    as_teacher: bool = False
    answers: tuple[int, ...] = (422,)


def attacks() -> list[Attack]:
    """The issue's inputs: a hyphen chain, documents built to be expensive, huge CSV rows, and
    the longest draft allowed (it is graded: what it costs is the neighbour's wait)."""
    real_words = (NORMAL_DRAFT * 60)[:99_000]
    huge_rows = csv_bytes([["student", "essay"], ["Ann", "a-" * 200_000],
                           ["Ben", ("word " * 40_000)], ["Cy", NORMAL_DRAFT]])
    return [
        Attack("hyphen chain draft, 100 KB (JSON)", "/api/v1/essays",
               json={"text": "Stalin " + "a-" * 50_000}),
        Attack("hyphen chain under the character cap (JSON)", "/api/v1/essays",
               json={"text": "Stalin " + "a-a " * 11_000}),
        Attack("PDF, 40 pages sharing one 1 MB text stream", "/api/v1/essays",
               files={"file": ("shared.pdf", shared_stream_pdf(pages=40))}),
        Attack("PDF, 20 pages sharing one 1 MB drawing stream", "/api/v1/essays",
               files={"file": ("drawing.pdf", shared_stream_pdf(
                   operation=b"0 0 m 1 1 l S\n"))}),
        Attack(".docx unpacking to 45 MB of XML", "/api/v1/essays",
               files={"file": ("bloated.docx", bloated_docx())}),
        Attack("CSV batch with 400 KB and 200 KB rows", "/api/v1/batches",
               files={"files": ("class.csv", huge_rows)}, as_teacher=True, answers=(202,)),
        Attack("longest draft allowed (99,000 characters of prose)", "/api/v1/essays",
               json={"text": real_words}, answers=(202,)),
    ]


@dataclass(frozen=True)
class Raced:
    """What became of an attack and of the normal draft sent at the same moment."""

    status: int
    message: str
    seconds: float
    neighbour_seconds: float
    neighbour_status: str


def race(base: str, attack: Attack, headers: dict[str, dict[str, str]]) -> Raced:
    """Send ``attack`` and, 0.1 s later, a normal draft from another student; wait for both.
    ``headers`` holds "attacker", "teacher" and "student" Authorization headers."""
    sender = headers["teacher" if attack.as_teacher else "attacker"]
    answered: dict[str, object] = {}

    def attack_now() -> None:
        started = time.monotonic()
        files = {k: (name, data) for k, (name, data) in (attack.files or {}).items()}
        response = requests.post(base + attack.path, json=attack.json, files=files or None,
                                 headers=sender, timeout=120)
        answered["seconds"] = time.monotonic() - started
        answered["response"] = response

    thread = threading.Thread(target=attack_now)
    thread.start()
    time.sleep(0.1)
    started = time.monotonic()
    # Each neighbour's draft differs, so none is answered as an unchanged resubmission.
    text = f"{NORMAL_DRAFT}This draft answers while {attack.name} is sent."
    accepted = requests.post(base + "/api/v1/essays", json={"text": text},
                             headers=headers["student"], timeout=60)
    accepted.raise_for_status()
    url = accepted.json()["url"]
    while (essay := requests.get(url, headers=headers["student"], timeout=30).json())[
            "status"] not in ("done", "failed") and time.monotonic() - started < 120:
        time.sleep(0.05)
    neighbour = time.monotonic() - started
    thread.join(180)
    response = answered["response"]
    body = response.json()
    message = body["error"]["message"] if "error" in body else \
        "; ".join(p["message"] for p in body.get("batch", {}).get("report", {})
                  .get("problems", [])) or "accepted"
    return Raced(response.status_code, message, float(answered["seconds"]), neighbour,
                 essay["status"])
