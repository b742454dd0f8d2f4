"""Members out of a zip file, each checked before it is inflated.

Member paths are only ever used as names and labels: nothing is written to disk, so a member
called "../../etc/passwd" is just an oddly named (and unsupported) file.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from .limits import Budget, IngestLimits, human_size
from .report import FileProblem, printable

NESTED_ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")
# What the operating system leaves in a zipped folder is not an essay the teacher meant to
# upload, so it is skipped without a problem, like directories: macOS resource forks and Finder
# files, Windows thumbnail caches and folder settings, and Word's "~$" lock files.
_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_JUNK_PREFIXES = ("._", "~$")
_JUNK_DIRECTORIES = frozenset({"__macosx"})
_UNZIP_ERRORS = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, RuntimeError, ValueError,
)
_NAMES_LISTED = 5


@dataclass(frozen=True)
class ZipMember:
    """A member that passed the checks; ``name`` "class.zip/sub/alice.docx", ``label`` "alice"."""

    name: str
    label: str
    data: bytes


# Folders and system files count as entries too, so allow some slack over the essay limit.
MAX_ENTRIES_FACTOR = 4
_END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"


def declared_entries(data: bytes) -> int | None:
    """The entry count a zip's end-of-central-directory record declares (None if not found).

    The record is the last 22 bytes plus a comment of up to 64 KB; its total-entries field is
    at offset 10. A ZIP64 archive declares 0xFFFF there, which is large enough to be refused.
    """
    at = data.rfind(_END_OF_CENTRAL_DIRECTORY, max(0, len(data) - 22 - 65_535))
    if at < 0 or at + 12 > len(data):
        return None
    return int.from_bytes(data[at + 10:at + 12], "little")


def read_zip(
    data: bytes, zip_name: str, limits: IngestLimits, budget: Budget
) -> Iterator[ZipMember | FileProblem]:
    """Yield each member's bytes, or a problem naming it, in archive order.

    The caller must record each yielded item in ``budget.entries`` before asking for the next:
    the member-count limit is checked against it. Bytes read are added to ``budget.bytes_used``
    here. Once a limit stops the reading, all members left become one problem for the zip.
    """
    declared = declared_entries(data)
    if declared is not None and declared > MAX_ENTRIES_FACTOR * limits.max_files:
        # Parsing a central directory of a million entries costs the web process seconds and
        # hundreds of MB before any limit could apply: refuse it from the zip's own count.
        yield FileProblem(zip_name, f"the zip holds {declared:,} entries; the limit is "
                                    f"{limits.max_files} essays and files per upload")
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [(info, path) for info in archive.infolist() if (path := _member_path(info))]
    except (*_UNZIP_ERRORS, zipfile.LargeZipFile) as exc:
        yield FileProblem(zip_name, f"the zip file is damaged and could not be opened ({exc})")
        return
    with archive:
        for position, (info, path) in enumerate(members):
            name = f"{zip_name}/{path}"
            if budget.entries_left == 0:
                yield _rest_problem(
                    zip_name,
                    [path for _, path in members[position:]],
                    f"the limit is {limits.max_files} essays and files per upload",
                )
                return
            if problem := _check_header(info, path, limits):
                yield FileProblem(name, problem)
                continue
            if info.file_size > budget.bytes_left:
                yield _rest_problem(
                    zip_name, [path for _, path in members[position:]], _total_limit(limits)
                )
                return
            try:
                with archive.open(info) as member:
                    # Bounded read: a header that understates the size cannot make this inflate
                    # more than the limit (plus one byte, to tell "at the limit" from "over it").
                    content = member.read(min(limits.max_file_bytes, budget.bytes_left) + 1)
            except NotImplementedError:
                yield FileProblem(
                    name,
                    "the file is compressed with a method that is not supported; "
                    "zip it again with standard compression",
                )
                continue
            except _UNZIP_ERRORS as exc:
                yield FileProblem(name, f"the file could not be unzipped; it is damaged ({exc})")
                continue
            if len(content) > limits.max_file_bytes:
                yield FileProblem(
                    name, _too_large(f"more than {human_size(limits.max_file_bytes)}", limits)
                )
                continue
            if len(content) > budget.bytes_left:
                yield _rest_problem(
                    zip_name, [path for _, path in members[position:]], _total_limit(limits)
                )
                return
            budget.bytes_used += len(content)
            yield ZipMember(name, PurePosixPath(path).stem, content)


def _member_path(info: zipfile.ZipInfo) -> str:
    """The member's path for display (printable, relative, without '.' or '..' steps), or "" for
    directories and operating-system junk."""
    parts = [
        part
        for part in map(printable, info.filename.replace("\\", "/").split("/"))
        if part not in ("", ".", "..")
    ]
    # A member's name may be empty (zipfile cuts it at a NUL): is_dir() would fail on it.
    if not parts or info.is_dir():
        return ""
    basename = parts[-1].casefold()
    if (
        basename in _JUNK_NAMES
        or basename.startswith(_JUNK_PREFIXES)
        or any(part.casefold() in _JUNK_DIRECTORIES for part in parts)
    ):
        return ""
    return "/".join(parts)


def _check_header(info: zipfile.ZipInfo, path: str, limits: IngestLimits) -> str | None:
    """What is wrong with a member according to its header, before anything is inflated."""
    if info.flag_bits & 0x1:
        return "the file is password-protected; zip it again without a password"
    if path.casefold().endswith(NESTED_ARCHIVE_SUFFIXES):
        return "archives inside archives are not accepted; upload it separately"
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_compression_ratio:
        return (
            f"the file expands too much when unzipped ({human_size(info.compress_size)} to "
            f"{human_size(info.file_size)}, over {limits.max_compression_ratio:g} times); "
            "it looks like a zip bomb"
        )
    if info.file_size > limits.max_file_bytes:
        return _too_large(human_size(info.file_size, round_up=True), limits)
    return None


def _too_large(size: str, limits: IngestLimits) -> str:
    limit = human_size(limits.max_file_bytes)
    return f"the file is {size} uncompressed; the limit is {limit} per file"


def _total_limit(limits: IngestLimits) -> str:
    return f"the limit is {human_size(limits.max_total_bytes)} per upload, uncompressed"


def _rest_problem(zip_name: str, paths: list[str], reason: str) -> FileProblem:
    """One problem for every member left unread, naming the first few."""
    listed = ", ".join(paths[:_NAMES_LISTED]) + (", …" if len(paths) > _NAMES_LISTED else "")
    count = f"{len(paths)} file{'' if len(paths) == 1 else 's'}"
    return FileProblem(zip_name, f"{count} not read ({listed}): {reason}")
