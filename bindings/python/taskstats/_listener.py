# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exit events: ExitListener, with a descriptor for event loops, a
non-blocking dispatch() and a blocking run()."""
import collections
import ctypes
import errno
import math
import select
import time
from typing import Callable, Deque, List, NamedTuple, Optional

from . import _native
from ._native import error, lib
from ._record import Record

_RS = _native.RECORD_SIZE

# enum tstats_loss_cause
LOSS_OVERFLOW = 1   #: the receive buffer was full: the kernel dropped exits
LOSS_TRUNCATED = 2  #: a message larger than the library's buffer
LOSS_MALFORMED = 3  #: a message that could not be parsed


class Collected(NamedTuple):
    """What a dispatch() or run() call returns: the records, in the order
    the kernel sent them, and the losses seen during the call, by cause.
    (How many exit messages the kernel dropped: ExitListener.stats().)"""
    records: List[Record]
    overflows: int = 0  #: receive-buffer overflows (exits dropped)
    truncated: int = 0  #: messages lost to a too small buffer
    malformed: int = 0  #: messages lost as unparsable

    @property
    def lost(self) -> int:
        """Losses of any cause during the call."""
        return self.overflows + self.truncated + self.malformed


class ListenerStats(NamedTuple):
    """A listener's counters since it was opened."""
    messages: int   #: exit messages received and parsed
    records: int    #: records taken from the library
    overflows: int  #: receive-buffer overflows seen
    truncated: int  #: messages lost to a too small buffer
    malformed: int  #: messages lost as unparsable
    dropped: Optional[int]  #: exit messages the kernel dropped (None: unknown)


class ExitListener:
    """The final accounting of every task that exits, from construction on
    (tstats_listener_new(3)). Needs CAP_NET_ADMIN and the initial user, PID
    and network namespaces.

    cpus is a cpulist ("0-3,7"; None: every possible CPU). rcvbuf sets the
    socket's receive buffer in bytes: room for the exits not read yet,
    about 2.4 KB each; size it for the largest burst.

    Records are never thrown away: whatever the library delivered is kept
    until a dispatch() or run() returns it, also when a match function or
    a signal interrupts run(). Losses are counted, never raised.

    For an event loop, watch fileno() and call dispatch() when it is
    readable, e.g. with asyncio::

        lst = taskstats.ExitListener(rcvbuf=16 << 20)
        loop.add_reader(lst.fileno(), lambda: handle(lst.dispatch()))

    One thread at a time; a context manager."""

    def __init__(self, cpus: Optional[str] = None, rcvbuf: Optional[int] = None) -> None:
        self._l: Optional[ctypes.c_void_p] = None
        handle = ctypes.c_void_p()
        r = lib.tstats_listener_new(cpus.encode() if cpus is not None else None,
                                    ctypes.byref(handle))
        if r < 0:
            raise error(r, "listen")
        self._l = handle
        self._pending: Deque[Record] = collections.deque()
        self._losses = [0, 0, 0, 0]  # by cause
        self._failure: Optional[BaseException] = None
        # Kept here: ctypes callbacks must outlive every call that uses them.
        self._record_fn = _native.RECORD_FN(self._on_record)
        self._loss_fn = _native.LOSS_FN(self._on_loss)
        if rcvbuf is not None:
            self.set_rcvbuf(rcvbuf)

    # The callbacks run inside tstats_listener_dispatch(): they only copy,
    # and an exception (MemoryError) must not unwind through C: it is kept,
    # the dispatch aborted, and raised after it.
    def _on_record(self, rec_p, _userdata) -> int:
        try:
            self._pending.append(Record(ctypes.string_at(rec_p, _RS)))
            return 0
        except BaseException as e:  # noqa: B036 (raised by _dispatch)
            self._failure = e
            return -errno.ECANCELED

    def _on_loss(self, cause: int, _count: int, _userdata) -> int:
        if 0 < cause < len(self._losses):
            self._losses[cause] += 1
        return 0

    def _live(self) -> ctypes.c_void_p:
        if self._l is None:
            raise ValueError("taskstats: the listener is closed")
        return self._l

    def fileno(self) -> int:
        """The descriptor to watch for readability (owned by the
        listener: never read or close it)."""
        return lib.tstats_listener_fd(self._live())

    @property
    def cpus(self) -> str:
        """The cpulist the listener is registered for."""
        return lib.tstats_listener_cpulist(self._live()).decode()

    def set_rcvbuf(self, nbytes: int) -> int:
        """Sets the receive buffer; returns the size in effect as the
        kernel reports it (twice the request; capped at net.core.rmem_max
        without CAP_NET_ADMIN)."""
        if not 0 < nbytes <= 1 << 30:
            raise ValueError("receive buffer %r out of range" % nbytes)
        r = lib.tstats_listener_set_rcvbuf(self._live(), nbytes)
        if r < 0:
            raise error(r, "set receive buffer")
        return r

    def stats(self) -> ListenerStats:
        """The counters (tstats_listener_stats(3))."""
        st = _native.ListenerStats()
        r = lib.tstats_listener_stats(self._live(), st)
        if r < 0:
            raise error(r, "listener stats")
        return ListenerStats(st.messages, st.records, st.overflows, st.truncated,
                             st.malformed, None if st.dropped == (1 << 64) - 1 else st.dropped)

    def _dispatch(self) -> None:
        """Moves everything the socket holds into the pending queue,
        without blocking."""
        r = lib.tstats_listener_dispatch(self._live(), self._record_fn, self._loss_fn, None)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        if r < 0:
            raise error(r, "dispatch")

    def _take_losses(self) -> List[int]:
        losses, self._losses = self._losses, [0, 0, 0, 0]
        return losses

    def dispatch(self) -> Collected:
        """Everything pending, without blocking: the records received so
        far and the losses since the last call."""
        self._dispatch()
        records = list(self._pending)
        self._pending.clear()
        losses = self._take_losses()
        return Collected(records, losses[LOSS_OVERFLOW], losses[LOSS_TRUNCATED],
                         losses[LOSS_MALFORMED])

    def run(self, count: Optional[int] = None, timeout: Optional[float] = None,
            match: Optional[Callable[[Record], bool]] = None) -> Collected:
        """Waits for exits and returns them: until count records (those
        for which match(record) is true, if given) have come, or timeout
        seconds have passed (None: no limit). Returns what it collected,
        possibly fewer than count, and the losses seen. Records that did
        not match are dropped; records after the count-th stay queued for
        the next call. If match raises (or a signal handler does), the
        records collected so far go back to the queue first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        out: List[Record] = []
        poller = select.poll()
        poller.register(self.fileno(), select.POLLIN)
        try:
            while True:
                self._dispatch()
                pending = self._pending
                while pending and (count is None or len(out) < count):
                    rec = pending[0]
                    if match is None or match(rec):
                        out.append(rec)
                    pending.popleft()
                if count is not None and len(out) >= count:
                    break
                wait = -1
                if deadline is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    wait = math.ceil(left * 1000)  # never wake before the deadline
                poller.poll(wait)
        except BaseException:
            self._pending.extendleft(reversed(out))
            raise
        losses = self._take_losses()
        return Collected(out, losses[LOSS_OVERFLOW], losses[LOSS_TRUNCATED],
                         losses[LOSS_MALFORMED])

    def close(self) -> None:
        """Deregisters and closes; records not yet returned are discarded."""
        if self._l is not None:
            lib.tstats_listener_free(self._l)
            self._l = None
            self._pending.clear()

    def __enter__(self) -> "ExitListener":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_l", None) is not None:
            self.close()
