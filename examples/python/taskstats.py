# SPDX-License-Identifier: LGPL-2.1-or-later
"""libtaskstats from Python, through ctypes: an embedding example.

Two operations:

    import taskstats
    rec = taskstats.query(pid)              # one task: {field name: value}
    with taskstats.ExitListener() as l:     # registers for every CPU
        ...start things...
        for rec in l.run(count=3, timeout=10.0):
            print(rec["kind"], rec["id"], rec["exit_code"])

Records are dicts of the fields the kernel sent, keyed by the library's
field names (tstats_field_info()); a field that is absent is unknown, not 0,
and is left out. Values are ints, except "comm" (str; the raw bytes are
chosen by the task and decoded with U+FFFD for anything that is not UTF-8).
Exit records also carry "kind" ("pid" or "tgid"), "id" and "group_exit".

Errors are OSError with the library's errno: PermissionError without
CAP_NET_ADMIN, ProcessLookupError for a task that does not exist.

The library is loaded from $TSTATS_LIBRARY, else libtaskstats.so.0.
"""
import ctypes
import errno
import os
import time

__all__ = ["Context", "ExitListener", "query", "listen", "fields"]

# Mirrors of include/libtaskstats.h. ctypes cannot read a C header: these
# must follow it (the struct is only ever appended to within an soname).
FIELD_CAPACITY = 128
KIND_PID = 1
KIND_TGID = 2
RECORD_GROUP_EXIT = 1 << 4
UNIT_STRING = 9
UNIT_NICE = 14


class _Record(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_uint32),
        ("id", ctypes.c_uint32),
        ("version", ctypes.c_uint32),
        ("payload_len", ctypes.c_uint32),
        ("flags", ctypes.c_uint32),
        ("reserved", ctypes.c_uint32),
        ("present", ctypes.c_uint64 * (FIELD_CAPACITY // 64)),
        ("value", ctypes.c_uint64 * FIELD_CAPACITY),
        ("comm", ctypes.c_char * 40),
    ]


class _FieldInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("kernel_name", ctypes.c_char_p),
        ("unit", ctypes.c_char_p),
        ("description", ctypes.c_char_p),
        ("unit_id", ctypes.c_uint32),
        ("group", ctypes.c_uint32),
        ("since", ctypes.c_uint32),
        ("in_tgid", ctypes.c_uint32),
    ]


_RECORD_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(_Record), ctypes.c_void_p)
_LOSS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_void_p)


def _load():
    lib = ctypes.CDLL(os.environ.get("TSTATS_LIBRARY") or "libtaskstats.so.0")
    P = ctypes.POINTER
    sigs = {
        "tstats_ctx_new": (ctypes.c_int, [P(ctypes.c_void_p)]),
        "tstats_ctx_free": (None, [ctypes.c_void_p]),
        "tstats_query": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint32,
                                        P(_Record)]),
        "tstats_field_count": (ctypes.c_uint, []),
        "tstats_field_info": (P(_FieldInfo), [ctypes.c_uint]),
        "tstats_record_has": (ctypes.c_int, [P(_Record), ctypes.c_uint]),
        "tstats_record_get": (ctypes.c_int, [P(_Record), ctypes.c_uint, P(ctypes.c_uint64)]),
        "tstats_record_comm": (ctypes.c_char_p, [P(_Record)]),
        "tstats_listener_new": (ctypes.c_int, [ctypes.c_char_p, P(ctypes.c_void_p)]),
        "tstats_listener_free": (None, [ctypes.c_void_p]),
        "tstats_listener_fd": (ctypes.c_int, [ctypes.c_void_p]),
        "tstats_listener_run": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, _RECORD_FN,
                                               _LOSS_FN, ctypes.c_void_p]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


_lib = _load()


def _check(r):
    if r < 0:
        raise OSError(-r, os.strerror(-r))
    return r


def fields():
    """The field table: a list of (name, unit, description), by field id."""
    out = []
    for f in range(_lib.tstats_field_count()):
        fi = _lib.tstats_field_info(f).contents
        out.append((fi.name.decode(), fi.unit.decode(), fi.description.decode()))
    return out


# Field id -> (name, unit id), read once from the library.
_FIELDS = [(_lib.tstats_field_info(f).contents.name.decode(),
            _lib.tstats_field_info(f).contents.unit_id)
           for f in range(_lib.tstats_field_count())]


def _to_dict(rec_p):
    """The present fields of a record (the pointer is valid only now)."""
    out = {}
    v = ctypes.c_uint64()
    for f, (name, unit) in enumerate(_FIELDS):
        if not _lib.tstats_record_has(rec_p, f):
            continue
        if unit == UNIT_STRING:
            out[name] = _lib.tstats_record_comm(rec_p).decode("utf-8", "replace")
        elif _lib.tstats_record_get(rec_p, f, ctypes.byref(v)) == 0:
            x = v.value
            # The nice value travels as a two's-complement int64.
            out[name] = x - (1 << 64) if unit == UNIT_NICE and x >= 1 << 63 else x
    return out


class Context:
    """A query context (one netlink socket); one thread at a time."""

    def __init__(self):
        self._ctx = ctypes.c_void_p()
        _check(_lib.tstats_ctx_new(ctypes.byref(self._ctx)))

    def query(self, pid, tgid=False):
        """The accounting of thread pid (or of thread group pid if tgid)."""
        if self._ctx is None:
            raise ValueError("context is closed")
        rec = _Record()
        _check(_lib.tstats_query(self._ctx, KIND_TGID if tgid else KIND_PID, pid,
                                 ctypes.byref(rec)))
        return _to_dict(ctypes.pointer(rec))

    def close(self):
        if self._ctx is not None:
            _lib.tstats_ctx_free(self._ctx)
            self._ctx = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def query(pid, tgid=False):
    """One-shot query of a thread (or a thread group)."""
    with Context() as c:
        return c.query(pid, tgid)


class ExitListener:
    """Receives the final accounting of every task that exits (CAP_NET_ADMIN).

    Registered from construction on, so exits after __init__ are never
    missed; run() delivers them."""

    def __init__(self, cpulist=None):
        self._l = ctypes.c_void_p()
        _check(_lib.tstats_listener_new(cpulist.encode() if cpulist else None,
                                        ctypes.byref(self._l)))

    def fileno(self):
        """The descriptor to poll for POLLIN (owned by the listener)."""
        return _check(_lib.tstats_listener_fd(self._l))

    def run(self, count, timeout=None, match=None):
        """Waits for count exit records (those for which match(rec) is true,
        if given) and returns them, or fewer if timeout seconds passed.
        Losses (a full socket buffer) raise OSError(ENOBUFS, ...)."""
        if self._l is None:
            raise ValueError("listener is closed")
        got = []
        failure = []

        # The callbacks run inside tstats_listener_run(); an exception must
        # not unwind through C: keep it, abort the run (< 0), re-raise.
        def on_record(rec_p, _userdata):
            try:
                rec = _to_dict(rec_p)
                rec["kind"] = "tgid" if rec_p.contents.kind == KIND_TGID else "pid"
                rec["id"] = rec_p.contents.id
                rec["group_exit"] = bool(rec_p.contents.flags & RECORD_GROUP_EXIT)
                if match is None or match(rec):
                    got.append(rec)
                return 1 if len(got) >= count else 0
            except BaseException as e:  # noqa: B036 (re-raised below)
                failure.append(e)
                return -errno.ECANCELED

        def on_loss(cause, total, _userdata):
            failure.append(OSError(errno.ENOBUFS, "%d exit events lost (cause %d)"
                                   % (total, cause)))
            return -errno.ENOBUFS

        rfn, lfn = _RECORD_FN(on_record), _LOSS_FN(on_loss)
        deadline = None if timeout is None else time.monotonic() + timeout
        while len(got) < count:
            ms = -1
            if deadline is not None:
                ms = int((deadline - time.monotonic()) * 1000)
                if ms <= 0:
                    break
            r = _lib.tstats_listener_run(self._l, ms, rfn, lfn, None)
            if failure:
                raise failure[0]
            if r == -errno.EINTR:
                continue  # a signal: Python runs its handler, we go on
            _check(r)
        return got

    def close(self):
        if self._l is not None:
            _lib.tstats_listener_free(self._l)
            self._l = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def listen(count, timeout=None, match=None):
    """Registers, then waits for count exit records (see ExitListener.run)."""
    with ExitListener() as l:
        return l.run(count, timeout, match)


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--exits":
        for r in listen(int(sys.argv[2])):
            print(json.dumps(r, sort_keys=True))
    elif len(sys.argv) == 2:
        print(json.dumps(query(int(sys.argv[1])), sort_keys=True))
    else:
        sys.exit("usage: taskstats.py PID | --exits N")
