"""Wait until the server answers on Bolt with the expected credentials."""

from __future__ import annotations

import enum
import time
import urllib.error
import urllib.request

import neo4j
import psutil
from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable, SessionExpired

from nnstruct.graph.server.process import is_alive

# Loopback needs no proxy, whatever http_proxy says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Answer(enum.Enum):
    READY = "ready"
    DOWN = "down"  # nothing answers yet (or any more)
    REFUSED = "refused"  # the server answers but refuses the credentials
    DIED = "died"  # the process exited
    TIMEOUT = "timeout"


def probe(uri: str, user: str, password: str | None, timeout: float = 3.0) -> Answer:
    """One attempt: connect and run ``RETURN 1`` on the default database."""
    auth = (user, password or "")
    try:
        with neo4j.GraphDatabase.driver(uri, auth=auth, connection_timeout=timeout,
                                        notifications_min_severity="OFF") as driver, driver.session() as session:
            # session.run, unlike execute_query, does not retry for 30 s while nothing listens yet.
            session.run("RETURN 1").consume()
    except AuthError:
        return Answer.REFUSED
    except (ServiceUnavailable, SessionExpired, Neo4jError, OSError):
        return Answer.DOWN
    return Answer.READY


def http_answers(url: str, timeout: float = 3.0) -> bool:
    """The HTTP connector (Neo4j Browser) serves its discovery document."""
    try:
        with _DIRECT.open(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(process: psutil.Process, uri: str, user: str, password: str | None, http_url: str,
                     timeout: float) -> Answer:
    """Poll until Bolt answers our credentials and HTTP serves, the process dies, the credentials are
    refused, or ``timeout`` s pass. Bolt comes up a few seconds before HTTP."""
    deadline = time.monotonic() + timeout
    bolt_ready = False
    while True:
        if not is_alive(process):
            return Answer.DIED
        if not bolt_ready:
            answer = probe(uri, user, password)
            if answer is Answer.REFUSED:
                return answer
            bolt_ready = answer is Answer.READY
        if bolt_ready and http_answers(http_url):
            return Answer.READY
        if time.monotonic() >= deadline:
            return Answer.TIMEOUT
        time.sleep(0.5)
