# SPDX-License-Identifier: LGPL-2.1-or-later
"""Linux per-task accounting (CPU, memory, I/O, delays) from the kernel's
taskstats interface, through libtaskstats (ctypes over libtaskstats.so.0).

Queries (CAP_NET_ADMIN)::

    import os, taskstats
    with taskstats.Client() as c:
        r = c.pid(os.getpid())            # one thread
        print(r.comm, r.utime, r.read_bytes, r.cpu_delay_total)
        g = c.tgid(os.getpid())           # the thread group, summed by the kernel
        p = c.process(os.getpid())        # the same, completed (I/O, identity)
        for rec in c.batch(taskstats.tasks()):   # every thread, one call
            if isinstance(rec, taskstats.Record):
                ...

Records have one attribute per row of the library's field table
(taskstats.fields(); `man taskstats-cli` lists them), named exactly as
there, in the unit given there (utime in microseconds, cpu_delay_total in
nanoseconds, read_bytes in bytes); None when the kernel did not send the
field: absent is unknown, not 0.

Exits (CAP_NET_ADMIN, initial namespaces)::

    with taskstats.ExitListener(rcvbuf=16 << 20) as lst:
        got = lst.run(count=10, timeout=5.0)
        for rec in got.records:
            print(rec.pid, rec.comm, rec.exit_code >> 8)
        print(got.lost, "losses")

ExitListener.fileno() and the non-blocking ExitListener.dispatch() fit an
event loop, e.g. asyncio::

    loop.add_reader(lst.fileno(), lambda: handle(lst.dispatch()))

Errors are OSError subclasses with the library's errno: PermissionError
without CAP_NET_ADMIN, ProcessLookupError for a task that does not exist,
TaskstatsUnavailable (errno ENOENT) when the kernel has no taskstats at all.
Task ids must be ints in 1..2**32-1 (ValueError, OverflowError).

The library is loaded by its soname, libtaskstats.so.0, or from the path in
$TSTATS_LIBRARY; the package refuses (ImportError) a library whose structs
differ from its own copy (tstats_struct_size(3)). The C manual pages (man
libtaskstats) describe each call in detail.
"""
from ._native import RECORD_SIZE, SONAME, TaskstatsUnavailable
from ._record import FieldInfo, Kind, Process, Record, RecordFlag, Source, fields
from ._client import CGroupStats, Client, tasks
from ._listener import (LOSS_MALFORMED, LOSS_OVERFLOW, LOSS_TRUNCATED, Collected,
                        ExitListener, ListenerStats)

__all__ = [
    "Client", "ExitListener", "Record", "Process", "Kind", "RecordFlag", "Source",
    "FieldInfo", "CGroupStats", "Collected", "ListenerStats", "TaskstatsUnavailable",
    "fields", "tasks", "LOSS_OVERFLOW", "LOSS_TRUNCATED", "LOSS_MALFORMED",
    "RECORD_SIZE", "SONAME",
]
