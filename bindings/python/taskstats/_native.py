# SPDX-License-Identifier: LGPL-2.1-or-later
"""The C library through ctypes: its structs mirrored by hand, its
functions declared, and the check that both sides agree on the sizes."""
import ctypes
import errno
import os
from typing import Optional

# The installed soname; TSTATS_LIBRARY (a path) overrides it, for a build
# tree or a library somewhere else.
SONAME = "libtaskstats.so.0"

FIELD_CAPACITY = 128
# struct tstats_record never changes size (include/libtaskstats.h): the
# batch code below indexes arrays of it with this stride.
RECORD_SIZE = 1104

KIND_PID = 1
KIND_TGID = 2

_u32, _u64, _int, _uint = ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int, ctypes.c_uint
_P = ctypes.POINTER


class Record(ctypes.Structure):
    """struct tstats_record"""
    _fields_ = [
        ("kind", _u32),
        ("id", _u32),
        ("version", _u32),
        ("payload_len", _u32),
        ("flags", _u32),
        ("reserved", _u32),
        ("present", _u64 * (FIELD_CAPACITY // 64)),
        ("value", _u64 * FIELD_CAPACITY),
        ("comm", ctypes.c_char * 40),
    ]


class FieldInfo(ctypes.Structure):
    """struct tstats_field_info (read through the library's pointers only,
    so a shorter mirror is fine)"""
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("kernel_name", ctypes.c_char_p),
        ("unit", ctypes.c_char_p),
        ("description", ctypes.c_char_p),
        ("unit_id", _u32),
        ("group", _u32),
        ("since", _u32),
        ("in_tgid", _u32),
        ("flags", _u32),
    ]


class ListenerStats(ctypes.Structure):
    """struct tstats_listener_stats"""
    _fields_ = [
        ("messages", _u64),
        ("records", _u64),
        ("overflows", _u64),
        ("truncated", _u64),
        ("malformed", _u64),
        ("dropped", _u64),
        ("reserved", _u64 * 4),
    ]


class Process(ctypes.Structure):
    """struct tstats_process"""
    _fields_ = [
        ("rec", Record),
        ("from_tgid", _u64 * (FIELD_CAPACITY // 64)),
        ("from_threads", _u64 * (FIELD_CAPACITY // 64)),
        ("from_leader", _u64 * (FIELD_CAPACITY // 64)),
        ("threads", _u32),
        ("reserved", _u32),
    ]


class CGroupStats(ctypes.Structure):
    """struct tstats_cgroupstats"""
    _fields_ = [
        ("nr_sleeping", _u64),
        ("nr_running", _u64),
        ("nr_stopped", _u64),
        ("nr_uninterruptible", _u64),
        ("nr_io_wait", _u64),
        ("payload_len", _u32),
        ("reserved", _u32),
    ]


# enum tstats_struct -> the mirror this module passes to the library.
_CHECKED = {1: Record, 4: ListenerStats, 6: Process, 7: CGroupStats}

RECORD_FN = ctypes.CFUNCTYPE(_int, _P(Record), ctypes.c_void_p)
LOSS_FN = ctypes.CFUNCTYPE(_int, _uint, _u64, ctypes.c_void_p)

_vp = ctypes.c_void_p
_SIGNATURES = {
    "tstats_struct_size": (ctypes.c_size_t, [_uint]),
    "tstats_field_count": (_uint, []),
    "tstats_field_info": (_P(FieldInfo), [_uint]),
    "tstats_ctx_new": (_int, [_P(_vp)]),
    "tstats_ctx_free": (None, [_vp]),
    "tstats_ctx_set_timeout": (_int, [_vp, _uint]),
    "tstats_query": (_int, [_vp, _uint, _u32, _P(Record)]),
    "tstats_query_batch": (_int, [_vp, _uint, _vp, ctypes.c_size_t, _vp, _vp]),
    "tstats_query_process": (_int, [_vp, _u32, _P(Process)]),
    "tstats_process_source": (_int, [_P(Process), _uint]),
    "tstats_query_cgroup": (_int, [_vp, ctypes.c_char_p, _P(CGroupStats)]),
    "tstats_list_tasks": (_int, [_uint, _vp, ctypes.c_size_t]),
    "tstats_listener_new": (_int, [ctypes.c_char_p, _P(_vp)]),
    "tstats_listener_free": (None, [_vp]),
    "tstats_listener_cpulist": (ctypes.c_char_p, [_vp]),
    "tstats_listener_set_rcvbuf": (_int, [_vp, _int]),
    "tstats_listener_fd": (_int, [_vp]),
    "tstats_listener_dispatch": (_int, [_vp, RECORD_FN, LOSS_FN, _vp]),
    "tstats_listener_stats": (_int, [_vp, _P(ListenerStats)]),
}


def _load() -> ctypes.CDLL:
    path = os.environ.get("TSTATS_LIBRARY") or SONAME
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError("taskstats: cannot load libtaskstats (%s): %s" % (path, e)) from e
    for name, (res, args) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    # The mirrors above are this module's copy of the header: refuse to run
    # on a library whose structs differ (tstats_struct_size(3)).
    for type_id, mirror in _CHECKED.items():
        have = lib.tstats_struct_size(type_id)
        if have != ctypes.sizeof(mirror):
            raise ImportError(
                "taskstats: %s is %d bytes in %s but %d in this package: the package "
                "was written for another version of libtaskstats"
                % (mirror.__doc__, have, path, ctypes.sizeof(mirror)))
    return lib


lib = _load()


class TaskstatsUnavailable(OSError):
    """The kernel has no TASKSTATS generic-netlink family: a kernel built
    without CONFIG_TASKSTATS, or a network namespace other than the initial
    one before Linux 5.19. errno is ENOENT, which here does not mean a
    missing file."""


def error(r: int, op: str, ident: Optional[int] = None) -> OSError:
    """The exception for the library's negative errno r: an OSError whose
    class follows the errno (PermissionError, ProcessLookupError, ...)."""
    code = -r
    what = op if ident is None else "%s %d" % (op, ident)
    if code == errno.ENOENT and op in ("open", "listen"):
        return TaskstatsUnavailable(code, "taskstats unavailable: the kernel has no TASKSTATS "
                                    "generic-netlink family (CONFIG_TASKSTATS off, or a "
                                    "network namespace before Linux 5.19) (%s)" % what)
    return OSError(code, "%s (%s)" % (os.strerror(code), what))


def check_id(ident: int) -> int:
    """A task id the kernel can name: an int in 1..2**32-1, never
    truncated."""
    if type(ident) is not int:  # noqa: E721 (the fast path)
        if not hasattr(ident, "__index__"):
            raise TypeError("task ids are ints, not %s" % type(ident).__name__)
        ident = ident.__index__()
    if ident < 1:
        raise ValueError("task id %d: ids start at 1" % ident)
    if ident > 0xFFFFFFFF:
        raise OverflowError("task id %d: ids are at most 2**32-1" % ident)
    return ident
