"""One undecodable message must not stop a worker.

kombu's Redis channel decodes each message it pops inside the worker's event loop; a message
that is not JSON (a corrupt write, a stray client) raises there and stops the whole consumer, so
grading halts until the worker is restarted. This channel logs and drops such a message instead
(it was already popped, and the database still knows every essay: the sweeper re-sends any
essay whose message is gone).
"""

from __future__ import annotations

import logging

from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)


class GuardedChannel(kombu_redis.Channel):
    def _brpop_read(self, **options: object) -> bool:
        try:
            return super()._brpop_read(**options)
        except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
            log.error("dropped a broker message that is not valid JSON (%s)", exc)
            return True


def install() -> None:
    """Use the guarded channel for every Redis connection of this process."""
    kombu_redis.Transport.Channel = GuardedChannel
