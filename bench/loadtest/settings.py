"""What the load benchmark sends, how often, and what it counts as a pass."""

from __future__ import annotations

import os

REDIS_URL = os.environ.get("GRADER_BENCH_LOAD_REDIS", "redis://127.0.0.1:6379/12")
QUEUES = ("drafts", "grader", "calibration")
GRADING_PROCESSES = 2
REQUEST_TIMEOUT = 30.0
STUDENT_POLL, TEACHER_POLL = 1.0, 2.0
STUDENT_THINK, TEACHER_THINK, READER_THINK = (0.5, 2.0), (1.0, 3.0), (0.2, 0.8)
BATCH_SIZE = (10, 30)
DRAFT_WORDS = (300, 500)
DEPTH_EVERY, SLOW_EVERY, ROW_EVERY = 1.0, 5.0, 30.0
READ_P95_TARGET_MS = 100.0
FLAT_PCT, FLAT_MB = 5.0, 5.0

DRAFT = "POST /essays (draft)"
ESSAY_POLL = "GET /essays/{id} (status poll)"
ESSAY_RESULT = "GET /essays/{id} (result)"
UPLOAD = "POST /batches (upload)"
BATCH_POLL = "GET /batches/{id} (status poll)"
BATCH_RESULT = "GET /batches/{id} (result)"
BATCH_CSV = "GET /batches/{id}/results.csv"
ENDPOINTS = (DRAFT, ESSAY_POLL, ESSAY_RESULT, UPLOAD, BATCH_POLL, BATCH_RESULT, BATCH_CSV)
READS = (ESSAY_POLL, ESSAY_RESULT, BATCH_POLL, BATCH_RESULT, BATCH_CSV)
