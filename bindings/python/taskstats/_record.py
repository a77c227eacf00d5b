# SPDX-License-Identifier: LGPL-2.1-or-later
"""Records: one class whose attributes are the library's field table,
decoded from the record's bytes when read."""
import enum
import struct
from typing import Any, Dict, List, NamedTuple, Optional

from . import _native

_U64 = struct.Struct("=Q").unpack_from
_U32X5 = struct.Struct("=5I").unpack_from
_PRESENT = _native.Record.present.offset
_VALUE = _native.Record.value.offset
_COMM = _native.Record.comm.offset
_COMM_LEN = _native.Record.comm.size

# enum tstats_unit values the decoding cares about.
_UNIT_STRING = 9
_UNIT_NICE = 14
_FIELD_SIGNED = 1 << 0
_FIELD_COUNTER = 1 << 1


class Kind(enum.IntEnum):
    """What a record describes."""
    PID = _native.KIND_PID    #: one thread
    TGID = _native.KIND_TGID  #: a thread group (process)


class RecordFlag(enum.IntFlag):
    """The library's notes on a record (enum tstats_record_flag)."""
    VERSION_INFERRED = 1 << 0  #: the version was inferred
    NEWER = 1 << 1             #: a newer struct: known fields only
    SHORT = 1 << 2             #: a short payload: trailing fields absent
    EXIT = 1 << 3              #: from an exit listener: final values
    GROUP_EXIT = 1 << 4        #: the whole thread group exited
    EMPTY_GROUP = 1 << 5       #: a TGID record of a zombie process


class FieldInfo(NamedTuple):
    """One row of the library's field table (tstats_field_info(3))."""
    id: int
    name: str
    kernel_name: str
    unit: str
    description: str
    since: int       #: first struct taskstats version carrying it
    in_tgid: bool    #: TGID records carry it for the whole group
    counter: bool    #: only grows over a task's life
    signed: bool


def _read_fields() -> List[FieldInfo]:
    rows = []
    for f in range(_native.lib.tstats_field_count()):
        fi = _native.lib.tstats_field_info(f).contents
        rows.append(FieldInfo(f, fi.name.decode(), fi.kernel_name.decode(), fi.unit.decode(),
                              fi.description.decode(), fi.since, bool(fi.in_tgid),
                              bool(fi.flags & _FIELD_COUNTER), bool(fi.flags & _FIELD_SIGNED)))
    return rows


FIELDS: List[FieldInfo] = _read_fields()
_UNIT_IDS = [_native.lib.tstats_field_info(f.id).contents.unit_id for f in FIELDS]


def fields() -> List[FieldInfo]:
    """The library's field table, by field id: every attribute a Record
    can have, with its unit and description."""
    return list(FIELDS)


def _getter(fid: int, unit_id: int):
    word = _PRESENT + 8 * (fid >> 6)
    bit = 1 << (fid & 63)
    if unit_id == _UNIT_STRING:
        def get(self) -> Optional[str]:
            b, o = self._b, self._o
            if not _U64(b, o + word)[0] & bit:
                return None
            raw = b[o + _COMM:o + _COMM + _COMM_LEN]
            end = raw.find(b"\0")
            if end >= 0:
                raw = raw[:end]
            # Chosen by the task, untrusted: invalid UTF-8 becomes U+FFFD.
            return raw.decode("utf-8", "replace")
        return get
    off = _VALUE + 8 * fid
    if unit_id == _UNIT_NICE:
        def get(self) -> Optional[int]:
            b, o = self._b, self._o
            if not _U64(b, o + word)[0] & bit:
                return None
            v = _U64(b, o + off)[0]
            return v - (1 << 64) if v >> 63 else v
        return get

    def get(self) -> Optional[int]:
        b, o = self._b, self._o
        if not _U64(b, o + word)[0] & bit:
            return None
        return _U64(b, o + off)[0]
    return get


class Record:
    """The accounting of one thread (kind PID) or thread group (kind TGID).

    Every field of the library's field table (taskstats.fields()) is an
    attribute of the same name (r.pid, r.utime, r.read_bytes, r.comm, ...),
    an int in the field's unit (r.comm a str), or None when the kernel did
    not send it: an absent field is unknown, not 0. Also: kind, id,
    payload_len and record_flags. Plain data: keep records as long as you
    like; as_dict() gives the present fields."""

    __slots__ = ("_b", "_o")

    def __init__(self, data: bytes, offset: int = 0) -> None:
        """A record over the bytes of a struct tstats_record at offset in
        data (Client and ExitListener make them; a batch's records share
        one bytes object)."""
        self._b = data
        self._o = offset

    @property
    def kind(self) -> Kind:
        """Kind.PID (one thread) or Kind.TGID (a thread group)."""
        return Kind(_U32X5(self._b, self._o)[0])

    @property
    def id(self) -> int:
        """The PID or TGID the kernel's reply names."""
        return _U32X5(self._b, self._o)[1]

    @property
    def payload_len(self) -> int:
        """Bytes of struct taskstats the kernel sent."""
        return _U32X5(self._b, self._o)[3]

    @property
    def record_flags(self) -> RecordFlag:
        """The library's notes on this record."""
        return RecordFlag(_U32X5(self._b, self._o)[4])

    @property
    def group_exit(self) -> bool:
        """Exit records: the whole thread group exited with this task."""
        return bool(_U32X5(self._b, self._o)[4] & RecordFlag.GROUP_EXIT)

    def has(self, name: str) -> bool:
        """True if field name is present (the same as getattr(r, name) is
        not None)."""
        return getattr(self, name) is not None

    def as_dict(self) -> Dict[str, Any]:
        """The present fields by name, plus "kind" ("pid"/"tgid") and "id"."""
        out: Dict[str, Any] = {"kind": self.kind.name.lower(), "id": self.id}
        for f in FIELDS:
            v = getattr(self, f.name)
            if v is not None:
                out[f.name] = v
        return out

    def __repr__(self) -> str:
        comm = self.comm  # type: ignore[attr-defined]
        return "<taskstats.Record %s %d%s, %d fields>" % (
            self.kind.name.lower(), self.id, " " + repr(comm) if comm is not None else "",
            sum(1 for f in FIELDS if getattr(self, f.name) is not None))

    def __reduce__(self):
        return (Record, (bytes(self._b[self._o:self._o + _native.RECORD_SIZE]),))


# One attribute per row of the field table, documented by the table, with
# its type for typing.get_type_hints().
Record.__annotations__ = {}
for _f, _unit in zip(FIELDS, _UNIT_IDS):
    _doc = "%s%s. Struct version %d and later%s." % (
        _f.description, " [%s]" % _f.unit if _f.unit else "", _f.since,
        "" if _f.in_tgid or _f.name == "version" else "; None in TGID records")
    setattr(Record, _f.name, property(_getter(_f.id, _unit), doc=_doc))
    Record.__annotations__[_f.name] = Optional[str] if _unit == _UNIT_STRING else Optional[int]
del _f, _unit, _doc


class Source(enum.IntEnum):
    """Where a field of a process view came from."""
    NONE = 0            #: absent
    TGID = 1            #: the kernel's TGID total
    THREAD_SUM = 2      #: summed over the live threads
    LEADER = 3          #: the thread group leader's record
    THREAD_EXTREME = 4  #: the largest or smallest over the live threads


class Process(Record):
    """A process view (Client.process()): a TGID record completed with
    what the kernel leaves out of those (I/O, faults, memory, identity),
    summed over the live threads or taken from the group leader."""

    __slots__ = ("threads", "_sources")

    def __init__(self, data: bytes, threads: int, sources: List[int]) -> None:
        super().__init__(data, 0)
        self.threads = threads  #: live threads summed
        self._sources = sources

    def source(self, name: str) -> Source:
        """Where field name came from."""
        for f in FIELDS:
            if f.name == name:
                return Source(self._sources[f.id])
        raise KeyError(name)

    def __reduce__(self):
        return (Process, (self._b, self.threads, self._sources))
