# SPDX-License-Identifier: LGPL-2.1-or-later
"""Queries: Client (one netlink socket) and task listing."""
import array
import ctypes
import threading
from typing import Iterable, List, NamedTuple, Optional, Union

from . import _native
from ._native import check_id, error, lib
from ._record import FIELDS, Kind, Process, Record

_RS = _native.RECORD_SIZE
# An array typecode of 4 bytes, for ids (uint32_t).
_ID_TYPE = next(t for t in "IL" if array.array(t).itemsize == 4)


class CGroupStats(NamedTuple):
    """Tasks directly in one cgroup v1 directory, by scheduler state."""
    sleeping: int         #: interruptible sleep (S)
    running: int          #: running or runnable (R)
    stopped: int          #: stopped by a signal (T)
    uninterruptible: int  #: uninterruptible sleep (D)
    io_wait: int          #: other states, waiting for I/O


class Client:
    """A query context: one netlink socket (tstats_ctx_new(3)).

    Opening needs no privilege; queries need CAP_NET_ADMIN
    (PermissionError otherwise). Raises TaskstatsUnavailable when the kernel
    has no taskstats. Safe to share between threads (calls are serialised);
    use one Client per thread to query in parallel. A context manager."""

    def __init__(self, timeout: Optional[float] = None) -> None:
        self._lock = threading.Lock()
        self._ctx: Optional[ctypes.c_void_p] = None
        ctx = ctypes.c_void_p()
        r = lib.tstats_ctx_new(ctypes.byref(ctx))
        if r < 0:
            raise error(r, "open")
        self._ctx = ctx
        self._rec = _native.Record()
        self._recs = (_native.Record * 0)()
        self._errs = (ctypes.c_int * 0)()
        self._proc = _native.Process()
        if timeout is not None:
            self.set_timeout(timeout)

    def _live(self) -> ctypes.c_void_p:
        if self._ctx is None:
            raise ValueError("taskstats: the client is closed")
        return self._ctx

    def set_timeout(self, seconds: float) -> None:
        """How long a query waits for the kernel (default 5 s)."""
        ms = int(seconds * 1000)
        if ms < 1 or ms > 0xFFFFFFFF:
            raise ValueError("timeout %r s out of range" % seconds)
        with self._lock:
            r = lib.tstats_ctx_set_timeout(self._live(), ms)
        if r < 0:
            raise error(r, "set timeout")

    def _query(self, kind: int, ident: int) -> Record:
        ident = check_id(ident)
        with self._lock:
            r = lib.tstats_query(self._live(), kind, ident, self._rec)
            if r < 0:
                raise error(r, "query", ident)
            return Record(bytes(self._rec))

    def pid(self, pid: int) -> Record:
        """The accounting of one thread (any thread id). Raises
        ProcessLookupError if there is no such task."""
        return self._query(_native.KIND_PID, pid)

    def tgid(self, tgid: int) -> Record:
        """The accounting of a whole thread group, summed by the kernel
        (which leaves out identity, I/O, faults and memory: see process())."""
        return self._query(_native.KIND_TGID, tgid)

    def process(self, tgid: int) -> Process:
        """The process view of thread group tgid (tstats_query_process(3)):
        the kernel's TGID totals plus I/O, faults and memory summed over the
        live threads and identity fields from the group leader; .threads,
        .source(name)."""
        tgid = check_id(tgid)
        with self._lock:
            p = self._proc
            r = lib.tstats_query_process(self._live(), tgid, p)
            if r < 0:
                raise error(r, "process", tgid)
            sources = [lib.tstats_process_source(p, f.id) for f in FIELDS]
            return Process(bytes(p.rec), p.threads, sources)

    def batch(self, ids: Iterable[int], kind: Kind = Kind.PID) -> List[Union[Record, OSError]]:
        """Many tasks in one call (tstats_query_batch(3)): for each id, in
        order, its Record, or the OSError of that id alone
        (ProcessLookupError: the task is gone). Errors of the whole call
        (PermissionError, TimeoutError, ...) are raised."""
        try:
            arr = array.array(_ID_TYPE, ids)
        except (OverflowError, TypeError):
            for i in ids:
                check_id(i)
            raise
        n = len(arr)
        if n == 0:
            return []
        if min(arr) == 0:
            check_id(0)
        with self._lock:
            ctx = self._live()
            if len(self._recs) < n:
                self._recs = (_native.Record * n)()
                self._errs = (ctypes.c_int * n)()
            addr, _ = arr.buffer_info()
            r = lib.tstats_query_batch(ctx, int(kind), addr, n, ctypes.addressof(self._recs),
                                       ctypes.addressof(self._errs))
            if r < 0:
                raise error(r, "batch")
            # One copy of every record; each Record reads from it.
            blob = ctypes.string_at(self._recs, n * _RS)
            errs = self._errs[:n]
        return [Record(blob, i * _RS) if e == 0 else error(e, "query", arr[i])
                for i, e in enumerate(errs)]

    def cgroup(self, path: str) -> CGroupStats:
        """Task states of a cgroup v1 directory (tstats_query_cgroup(3)).
        cgroup v2 raises OSError(EOPNOTSUPP). Needs no privilege."""
        cs = _native.CGroupStats()
        with self._lock:
            r = lib.tstats_query_cgroup(self._live(), path.encode(), cs)
        if r < 0:
            raise error(r, "cgroup " + path)
        return CGroupStats(cs.nr_sleeping, cs.nr_running, cs.nr_stopped,
                           cs.nr_uninterruptible, cs.nr_io_wait)

    def close(self) -> None:
        """Closes the socket; later calls raise ValueError."""
        with self._lock:
            if self._ctx is not None:
                lib.tstats_ctx_free(self._ctx)
                self._ctx = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_ctx", None) is not None:
            self.close()


def tasks(kind: Kind = Kind.PID) -> List[int]:
    """Ids of every thread (Kind.PID) or process (Kind.TGID) in /proc,
    grouped by process (tstats_list_tasks(3)). Needs no privilege."""
    cap = 1024
    while True:
        buf = array.array(_ID_TYPE, bytes(4 * cap))
        r = lib.tstats_list_tasks(int(kind), buf.buffer_info()[0], cap)
        if r < 0:
            raise error(r, "list tasks")
        if r <= cap:
            return buf[:r].tolist()
        cap = r + r // 8 + 16  # tasks come and go: a margin

