"""Reading an upload in a child process with its own memory and time bounds.

A file built to be expensive (a PDF whose pages share one huge content stream, a .docx that
unpacks to tens of megabytes of XML) then costs the child, which the limits stop, never the web
process: its threads and memory stay free for other students. The child is forked from a
forkserver that has already imported the readers, so each upload pays a fork (milliseconds),
not the imports; a web process's threads are never forked.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import signal
import time
from collections.abc import Iterable
from multiprocessing import forkserver
from multiprocessing.connection import Connection

from .limits import IngestLimits
from .report import IngestReport
from .upload import failed_upload, ingest_upload

log = logging.getLogger(__name__)

_START_SECONDS = 10.0
"""Time for the forkserver to start (once per process) and the child to be forked."""

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["grader.ingest.upload"])


def start_reader_server() -> None:
    """Start the forkserver now, with the readers imported, rather than at the process's first
    upload, which would otherwise wait for it (about 0.4 s). For a web process's start,
    before it runs any thread."""
    forkserver.ensure_running()


def ingest_isolated(
    files: Iterable[tuple[str, bytes]],
    limits: IngestLimits,
    text_column: str | None = None,
    label_column: str | None = None,
) -> IngestReport:
    """``ingest_upload`` run in a child process limited to the limits' reader memory (plus
    three times the files' size: the files, a zip's members unpacked, their text) and the
    upload's time limit. If the child dies or overruns, every file is named as not read,
    with the reason; nothing of it reaches the caller."""
    files = list(files)
    memory_bytes = limits.max_reader_memory_bytes + 3 * sum(len(data) for _name, data in files)
    receive, send = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_read_in_child, name="grader-upload-reader", daemon=True,
        args=(send, files, limits, text_column, label_column, memory_bytes),
    )
    child.start()
    send.close()  # the child holds the only sending end: its death ends the pipe
    wait = limits.max_upload_seconds + limits.max_document_seconds + _START_SECONDS
    try:
        if receive.poll(wait):
            report, seconds, peak_kb = receive.recv()
            log.info("read an upload of %d files in %.2f s; the reader's peak memory %d MB",
                     len(files), seconds, peak_kb // 1024)
            return report
        reason = f"reading the upload took longer than {limits.max_upload_seconds:g} s"
    except (EOFError, OSError):
        child.join(5)
        log.warning("the upload reader stopped with exit code %s", child.exitcode)
        reason = ("the reader stopped: the upload needed more memory or time than one upload "
                  "may use")
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    return failed_upload(files, f"not read: {reason}; upload the files again in smaller parts, "
                                "or the text as .txt")


def _read_in_child(send: Connection, files: list[tuple[str, bytes]], limits: IngestLimits,
                   text_column: str | None, label_column: str | None,
                   memory_bytes: int) -> None:
    # The forkserver inherited the signal mask of the thread that started it; the CPU limit's
    # signal must reach this process whatever that thread had blocked.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGXCPU, signal.SIGALRM})
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # CPU seconds as a second bound, should the wall-clock timers be blocked in C code.
    cpu = int(limits.max_upload_seconds + limits.max_document_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    started = time.monotonic()
    report = ingest_upload(files, limits, text_column, label_column)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    send.send((report, time.monotonic() - started, peak_kb))
    send.close()
