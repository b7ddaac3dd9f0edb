"""CPU time (and resident memory) of the server a benchmark started, by role, read from /proc
(Linux only).

bench/intake.py's Server starts web and workers in one session of their own, so every process
of the server, children included (uvicorn's workers, Celery's prefork children), carries the
supervisor's session id, and nothing else does. Each process gets the role of the nearest
process in its ancestry whose command line names one:

  web      uvicorn
  worker       celery ... worker -Q celery         (the fan-out)
  photo        celery ... worker -Q photos
  bookkeeping  celery ... worker -Q bookkeeping    (classifier suggestions, housekeeping)

PostgreSQL's backends are not in the session. A backend is attributed to a role when the client
port in its process title ("... 127.0.0.1(40312) idle") is the local port of a TCP connection
held by a process of that role; that needs the database server on this machine, visible in
/proc, reached over TCP. Its roles are "pg:web", "pg:worker" and "pg:photo", but only the web's
are worth reading: the web keeps its connections in a pool, while Celery's Django fixup closes
a worker's around every task, and the backend of a connection that ended between two
snapshots can no longer be read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
WEB, WORKER, PHOTO, BOOKKEEPING, OTHER = "web", "worker", "photo", "bookkeeping", "other"
QUEUE_ROLES = {"celery": WORKER, "photos": PHOTO, "bookkeeping": BOOKKEEPING}
PG_PREFIX = "pg:"
PG_WEB = PG_PREFIX + WEB
_CLIENT_PORT = re.compile(r"\((\d+)\)")


@dataclass(frozen=True)
class _Stat:
    pid: int
    ppid: int
    session: int
    # With the pid, this tells a process from a later one that reused its pid.
    started: int
    ticks: int
    comm: str


def _stat(pid: int) -> _Stat | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:  # gone since the directory listing
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or parentheses;
    # everything after the last ")" splits cleanly, starting at field 3.
    head, _, tail = raw.rpartition(")")
    fields = tail.split()
    try:
        return _Stat(
            pid=pid,
            ppid=int(fields[4 - 3]),
            session=int(fields[6 - 3]),
            started=int(fields[22 - 3]),
            ticks=int(fields[14 - 3]) + int(fields[15 - 3]),
            comm=head.partition("(")[2],
        )
    except (IndexError, ValueError):
        return None


def _cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def role_of(argv: list[str]) -> str | None:
    """The role a command line names, or None (then the process takes its parent's)."""
    # argv[0] is the interpreter when a script is run through it.
    names = {os.path.basename(arg) for arg in argv[:2]}
    if "uvicorn" in names:
        return WEB
    if "celery" in names and "worker" in argv:
        queue = argv[argv.index("-Q") + 1] if "-Q" in argv[:-1] else "celery"
        return QUEUE_ROLES.get(queue, WORKER)
    return None


@dataclass(frozen=True)
class Snapshot:
    # (pid, start time) -> (role, CPU ticks, user + system)
    processes: dict[tuple[int, int], tuple[str, int]]


def _all_stats() -> list[_Stat]:
    return [
        stat
        for entry in PROC.iterdir()
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None
    ]


def _roles(members: dict[int, _Stat]) -> dict[int, str]:
    own = {pid: role_of(_cmdline(pid)) for pid in members}

    def role(pid: int) -> str:
        seen: set[int] = set()
        while pid in members and pid not in seen:
            seen.add(pid)
            if found := own[pid]:
                return found
            pid = members[pid].ppid
        return OTHER

    return {pid: role(pid) for pid in members}


def roles(session: int) -> dict[int, str]:
    """The role of every process in ``session``, by pid."""
    return _roles({stat.pid: stat for stat in _all_stats() if stat.session == session})


def rss_bytes(pid: int) -> int | None:
    """A process's resident set size now, or None when it has gone."""
    try:
        resident_pages = int((PROC / str(pid) / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * PAGE_SIZE


def snapshot(session: int, *, db_port: int | None = None) -> Snapshot:
    """CPU ticks of every process in ``session`` (and, given ``db_port``, of the PostgreSQL
    backends serving them), with their roles."""
    stats = _all_stats()
    members = {stat.pid: stat for stat in stats if stat.session == session}
    role_of_pid = _roles(members)
    processes = {(s.pid, s.started): (role_of_pid[s.pid], s.ticks) for s in members.values()}
    if db_port is not None:
        ports = _client_ports(role_of_pid, db_port)
        for stat in stats:
            if stat.comm != "postgres":
                continue
            match = _CLIENT_PORT.search(" ".join(_cmdline(stat.pid)))
            if match and int(match.group(1)) in ports:
                processes[(stat.pid, stat.started)] = (
                    PG_PREFIX + ports[int(match.group(1))],
                    stat.ticks,
                )
    return Snapshot(processes)


def _client_ports(roles: dict[int, str], db_port: int) -> dict[int, str]:
    """Local port -> role, for each TCP connection to ``db_port`` the processes hold."""
    inodes: dict[int, str] = {}
    for pid, role in roles.items():
        fd_dir = PROC / str(pid) / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[int(target[8:-1])] = role
    ports: dict[int, str] = {}
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) < 10 or not parts[9].isdigit():
                continue
            local, remote, inode = parts[1], parts[2], int(parts[9])
            if inode in inodes and int(remote.rpartition(":")[2], 16) == db_port:
                ports[int(local.rpartition(":")[2], 16)] = inodes[inode]
    return ports


@dataclass(frozen=True)
class CpuDelta:
    seconds: dict[str, float]
    # Processes of the first snapshot missing from the second: their time in between is lost.
    vanished: int

    def of(self, role: str) -> float:
        return self.seconds.get(role, 0.0)

    @property
    def postgres_seen(self) -> bool:
        """Whether the web pool's backends were found: only those live long enough to be read
        (Celery's Django fixup closes every connection around each task, so a worker's backend
        ends between snapshots)."""
        return PG_WEB in self.seconds


def delta(before: Snapshot, after: Snapshot) -> CpuDelta:
    """CPU seconds by role from ``before`` to ``after``.

    A process only in ``after`` started in between, so all of its time falls in the window: its
    missing start counts as zero. A process only in ``before`` ended in between; what it used
    since ``before`` can no longer be read (a reaped child's time goes into its parent's
    cumulative children's time, together with what it used before the window), so it counts
    for nothing, and ``vanished`` says how many there were.
    """
    seconds: dict[str, float] = {}
    for key, (role, ticks) in after.processes.items():
        start = before.processes.get(key, (role, 0))[1]
        seconds[role] = seconds.get(role, 0.0) + (ticks - start) / CLK_TCK
    vanished = len(before.processes.keys() - after.processes.keys())
    return CpuDelta(seconds, vanished)
