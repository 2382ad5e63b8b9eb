"""One run, one folder state: the output folder of a command holds one complete run or its previous one.

A command that writes a folder (``--out DIR``) or prefixed files (``-n PREFIX``) runs inside
:func:`run_folder`. Every file written through :mod:`ifnexus._io` while the run is active is
journaled in ``DIR/.ifnexus-journal`` (``.PREFIX.ifnexus-journal``) before it replaces anything:
a file it overwrites is first moved to a backup beside it. At the end of a successful run

1. the previous run's files (listed in the previous manifest) that this run did not rewrite are
   removed: only files the manifest lists, only inside the folder, only while unchanged (same
   size and sha256), never an input of this run;
2. the manifest ``DIR/run.json`` (``PREFIX.run.json``) is written: command, ifnexus version,
   seed, options, and every file written with its size and sha256, paths relative to the folder;
3. the backups and the journal are removed.

If the run fails (an exception, Ctrl-C), the journal is replayed backwards: the files it wrote
are removed, the backups put back, temporary files removed; the folder is in its previous
complete state. SIGTERM (``kill PID``, a batch system's time limit) is turned into
``SystemExit(143)`` during a run, so it is undone the same way. A run killed outright (SIGKILL, power) leaves the journal, which the next run
into the same folder, or :func:`check_run_folder`, finds: the next run replays it first.

The manifest has no time and no absolute path of ours, and the run id is a hash of its
content, so two runs with the same options and seed into two folders write byte-identical
``run.json`` files. Options that do not change results (threads, chunk size, scheduler, quiet,
JSON output) are not recorded; ``--out``/``-n`` are recorded as ``OUT``/``PREFIX``; input paths
are recorded as given on the command line.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ifnexus._version import __version__
from ifnexus.errors import InputFormatError, ValidationError

__all__ = [
    "MANIFEST",
    "check_out_path",
    "check_prefix",
    "check_run_folder",
    "run_folder",
    "run_output",
]

logger = logging.getLogger(__name__)

#: the manifest of a folder run
MANIFEST = "run.json"
#: the key of the manifest's record inside ``run.json``
KEY = "ifnexus_run"
FORMAT = 1
#: options that do not change what is written (and the seed, recorded on its own): not in
#: the manifest's options
_NOT_RECORDED = frozenset(
    {"jobs", "n_jobs", "chunk_size", "scheduler", "quiet", "as_json", "verbose", "ctx", "seed"}
)
#: temporary files of :func:`ifnexus._io.atomic_path` (``.NAME.XXXXXXXX.tmp``)
_TMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")

F = TypeVar("F", bound=Callable[..., Any])


def check_out_path(out: str | os.PathLike[str] | None, flag: str = "--out") -> None:
    """Refuse an output folder that is an existing file, or lies under one (before any work).

    Raises
    ------
    ValidationError
        ``out`` exists and is not a directory, or its nearest existing parent is a file (the
        folder could not be created); the message names ``flag``.
    """
    if out is None or str(out) == "":
        return
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise ValidationError(
            f"{flag} {out} is an existing file; {flag} names the output directory "
            "(give a new or existing directory)"
        )
    for d in p.parents:
        if d.exists():
            if not d.is_dir():
                raise ValidationError(
                    f"{flag} {out}: {d} is an existing file, so the output directory cannot "
                    "be created under it"
                )
            break


def check_prefix(prefix: str | os.PathLike[str], flag: str = "-n/--output-prefix") -> None:
    """Refuse an output prefix whose folder is a file, or that names a folder itself.

    Raises
    ------
    ValidationError
        ``prefix`` ends with a path separator or is an existing directory, or its folder
        exists and is not a directory; the message names ``flag``.
    """
    text = os.fspath(prefix)
    if text.endswith(("/", os.sep)) or Path(text).is_dir():
        raise ValidationError(
            f"{flag} {text} names a directory; give a prefix inside it (e.g. "
            f"{Path(text) / 'sample1'}): the files are PREFIX.count.txt, PREFIX.run.json, ..."
        )
    parent = Path(text).parent
    for d in (parent, *parent.parents):
        if d.exists():
            if not d.is_dir():
                raise ValidationError(
                    f"{flag} {text}: {d} is an existing file, not a directory for the outputs"
                )
            break


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """Return the ``ifnexus_run`` record of ``path`` (``None``: absent or not a manifest)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    rec = data.get(KEY) if isinstance(data, dict) else None
    return rec if isinstance(rec, dict) and isinstance(rec.get("files"), list) else None


def _abs(path: str | os.PathLike[str]) -> Path:
    """``path`` absolute and normalised (``a/./b``, ``a/../b``), without resolving links."""
    return Path(os.path.normpath(Path(path).absolute()))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


class _Run:
    """The state of one active run (see the module docstring)."""

    def __init__(self, root: Path, manifest: str, journal: str, record: dict[str, Any],
                 protected: set[Path]) -> None:  # fmt: skip
        self.root = root
        self.manifest = _abs(root / manifest)
        self.journal = root / journal
        self.record = record
        self.protected = protected
        self.previous: dict[str, Any] | None = None  # the previous run's manifest record
        self.written: dict[Path, None] = {}  # final paths, in order
        self.backed_up: set[Path] = set()
        self.removed: list[Path] = []  # stale files of the previous run
        self.token = hashlib.sha256(os.urandom(16)).hexdigest()[:8]
        self.lock = threading.Lock()
        self.started = False  # the journal is this run's

    # -- journal -----------------------------------------------------------------------------
    def _log(self, **entry: str) -> None:
        if not self.started:
            self._start_journal()
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()

    def _start_journal(self) -> None:
        """Create the journal (first write of the run); refuse if another run writes here."""
        self.root.mkdir(parents=True, exist_ok=True)
        first = json.dumps({"pid": str(os.getpid()), "host": _host()}) + "\n"
        for _ in range(2):
            try:
                with open(self.journal, "x", encoding="utf-8") as fh:
                    fh.write(first)
            except FileExistsError:
                recover(self.root, self.journal.name)  # refuses a live run's journal
                continue
            self.started = True
            return
        raise ValidationError(f"{self.root}: cannot start the journal {self.journal.name}")

    def tmp_created(self, tmp: Path) -> None:
        with self.lock:
            self._log(tmp=str(tmp.absolute()))

    def replace(self, tmp: Path, target: Path) -> None:
        """Move ``tmp`` onto ``target``, keeping what it replaces until the run ends."""
        target = _abs(target)
        with self.lock:
            if target.exists() and target not in self.written and target not in self.backed_up:
                backup = target.with_name(f".{target.name}.{self.token}.bak")
                self._log(backup=str(target), to=str(backup))
                os.replace(target, backup)
                self.backed_up.add(target)
            elif not target.exists():
                self._log(new=str(target))
            os.replace(tmp, target)
            self.written[target] = None

    # -- end of run --------------------------------------------------------------------------
    def commit(self) -> None:
        """Remove the previous run's stale files, write the manifest, drop the journal."""
        if not self.written:
            return  # nothing written (no --out, or an early return): the folder is untouched
        previous = self.previous
        self._remove_stale(previous)
        self._write_manifest()
        with self.lock:
            self._log(commit=self.token)
        _finish(self.journal, forward=True)
        for p in self.removed:  # folders left empty by the stale files removed
            _remove_empty_dirs(p.parent, self.root)

    def _remove_stale(self, previous: dict[str, Any] | None) -> None:
        if not previous:
            return
        removed, kept = [], []
        for item in previous.get("files", []):
            rel = item.get("path") if isinstance(item, dict) else None
            if not isinstance(rel, str) or not rel or Path(rel).is_absolute():
                continue
            p = _abs(self.root / rel)
            if p in self.written or not p.is_file() or not _inside(p, self.root):
                continue
            if p.resolve() in self.protected:
                kept.append(rel)
                continue
            try:
                same = p.stat().st_size == item.get("size") and _sha256(p) == item.get("sha256")
            except OSError:
                same = False
            if not same:
                kept.append(rel)
                continue
            backup = p.with_name(f".{p.name}.{self.token}.bak")
            with self.lock:
                self._log(backup=str(p), to=str(backup))
                os.replace(p, backup)
                self.backed_up.add(p)
            self.removed.append(p)
            removed.append(rel)
        if removed:
            logger.warning(
                "removed %d file(s) of the previous run (%s) in %s that this run did not "
                "rewrite: %s",
                len(removed), previous.get("command", "?"), self.root, ", ".join(removed),
            )  # fmt: skip
        if kept:
            logger.warning(
                "kept %d file(s) listed by the previous run in %s: changed since, or an input "
                "of this run: %s",
                len(kept), self.root / self.manifest.name, ", ".join(kept),
            )  # fmt: skip

    def _write_manifest(self) -> None:
        from ifnexus import _io

        files: list[dict[str, Any]] = []
        for p in self.written:
            if p == self.manifest:
                continue
            rel = os.path.relpath(p, _abs(self.root))
            files.append({"path": Path(rel).as_posix(), "size": p.stat().st_size,
                          "sha256": _sha256(p)})  # fmt: skip
        files.sort(key=lambda f: str(f["path"]))
        body = {"format": FORMAT, **self.record, "files": files}
        body = {"id": hashlib.sha256(_canonical(body).encode()).hexdigest()[:16], **body}
        data: dict[str, Any] = {}
        if self.manifest in self.written:  # the command wrote its own run record: keep it
            try:
                loaded = json.loads(self.manifest.read_text(encoding="utf-8"))
                data = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                data = {}
        data[KEY] = body
        _io.write_text(self.manifest, json.dumps(data, indent=1, default=str) + "\n")

    def rollback(self) -> None:
        """Undo what the run wrote (only a journal it started)."""
        if self.started:
            _finish(self.journal, forward=False)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _finish(journal: Path, *, forward: bool | None = None) -> bool:
    """Replay ``journal``: forward (the run committed) or backward; return True if it existed.

    With ``forward=None`` the journal decides: a ``commit`` entry rolls forward (only the
    backups are removed), otherwise the run is undone.
    """
    try:
        lines = journal.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return False
    entries = []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a line cut by a kill: the action it announced did not happen
    committed = any("commit" in e for e in entries) if forward is None else forward
    for e in reversed(entries):
        with contextlib.suppress(OSError):
            if "tmp" in e:
                Path(e["tmp"]).unlink(missing_ok=True)
            elif "backup" in e:
                target, backup = Path(e["backup"]), Path(e["to"])
                if committed:
                    backup.unlink(missing_ok=True)
                elif backup.exists():
                    os.replace(backup, target)
            elif "new" in e and not committed:
                target = Path(e["new"])
                target.unlink(missing_ok=True)
                _remove_empty_dirs(target.parent, journal.parent)
    journal.unlink(missing_ok=True)
    return True


def _remove_empty_dirs(d: Path, stop: Path) -> None:
    stop = stop.absolute()
    d = d.absolute()
    while d != stop and _inside(d, stop):
        try:
            d.rmdir()
        except OSError:
            return
        d = d.parent


def _clean_tmp(dirs: Iterable[Path], start: str = ".") -> None:
    """Remove temporary files of :func:`ifnexus._io.atomic_path` left by a killed process.

    ``start``: only names starting with it (``.PREFIX.``: the files of other prefixes in the
    folder may be another run's, in progress).
    """
    for d in dirs:
        with contextlib.suppress(OSError):
            for p in d.iterdir():
                if p.name.startswith(start) and _TMP.match(p.name) and p.is_file():
                    p.unlink(missing_ok=True)


_ACTIVE: _Run | None = None
_ACTIVE_LOCK = threading.Lock()


def active() -> _Run | None:
    """Return the run in progress (``None`` outside :func:`run_folder`), for :mod:`ifnexus._io`."""
    return _ACTIVE


def _host() -> str:
    import socket

    return socket.gethostname()


def _live_owner(journal: Path) -> int | None:
    """Return the process id of the run that started ``journal`` if it still runs here."""
    try:
        with open(journal, encoding="utf-8") as fh:
            first = json.loads(fh.readline() or "{}")
        pid = int(first.get("pid", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if pid <= 0 or pid == os.getpid() or first.get("host") != _host():
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:
        return pid  # alive, another user's
    except OSError:
        return None
    return pid


def recover(root: str | os.PathLike[str], journal: str = ".ifnexus-journal") -> bool:
    """Finish or undo a run into ``root`` that was killed; return True if there was one.

    Raises
    ------
    ValidationError
        The run that started the journal is still running (another ifnexus process writes
        into the same folder).
    """
    pid = _live_owner(Path(root) / journal)
    if pid is not None:
        raise ValidationError(
            f"{root}: another ifnexus run (process {pid}) is writing into this folder; wait "
            "for it to end or give another output folder"
        )
    done = _finish(Path(root) / journal)
    if done:
        logger.warning("%s: finished an interrupted earlier run (journal %s)", root, journal)
    return done


@contextlib.contextmanager
def run_folder(
    out: str | os.PathLike[str] | None,
    *,
    command: str,
    options: dict[str, Any] | None = None,
    seed: Any = None,
    prefix: bool = False,
    protected: Iterable[str | os.PathLike[str]] = (),
) -> Iterator[_Run | None]:
    """Run the block as one run into the folder ``out`` (or the files ``out.*`` with ``prefix``).

    Parameters
    ----------
    out
        The output folder; ``None`` (no output) makes this a no-op.
    command
        The command, e.g. ``"ifnexus simulate"``, recorded in the manifest.
    options
        The options recorded (JSON-safe values).
    seed
        The seed recorded.
    prefix
        ``out`` is a file prefix (``-n PREFIX``): the manifest is ``PREFIX.run.json`` and the
        journal ``.PREFIX.ifnexus-journal`` in the prefix's folder.
    protected
        Input files of the run: never removed as stale.

    Yields
    ------
    The run (``None`` when there is none).
    """
    global _ACTIVE
    if out is None or str(out) == "" or _ACTIVE is not None:
        yield None  # no output, or nested in a run (the outer run records the files)
        return
    if prefix:
        check_prefix(out)
        pre = Path(out)
        root = pre.parent
        manifest, journal = f"{pre.name}.{MANIFEST}", f".{pre.name}.ifnexus-journal"
    else:
        check_out_path(out)
        root, manifest, journal = Path(out), MANIFEST, ".ifnexus-journal"
    recover(root, journal)
    old = _read_manifest(root / manifest)
    dirs = {root} | {(root / f["path"]).parent for f in (old or {}).get("files", [])
                     if isinstance(f, dict) and isinstance(f.get("path"), str)}  # fmt: skip
    _clean_tmp((d for d in dirs if _inside(d, root)), f".{Path(out).name}." if prefix else ".")
    record = {"command": command, "ifnexus": __version__, "seed": seed,
              "options": dict(options or {})}  # fmt: skip
    run = _Run(root, manifest, journal, record, {Path(p).resolve() for p in protected})
    run.previous = old
    with _ACTIVE_LOCK:
        _ACTIVE = run
    previous_handler = _on_sigterm(_terminate)
    try:
        yield run
        run.commit()
    except BaseException:
        run.rollback()
        raise
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE = None
        if previous_handler is not None:
            _on_sigterm(previous_handler)


def _terminate(signum: int, frame: Any) -> None:
    """Turn SIGTERM into SystemExit, so that the run is undone before the process ends."""
    raise SystemExit(128 + signum)


def _on_sigterm(handler: Any) -> Any:
    """Install ``handler`` for SIGTERM; return the previous one (None: not possible here)."""
    import signal

    if not hasattr(signal, "SIGTERM") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread of the interpreter
        return None


def _json_value(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if isinstance(v, list | tuple):
        return [_json_value(x) for x in v]
    return v


def _inputs(params: dict[str, Any], skip: set[str]) -> list[str]:
    files: list[str] = []
    for k, v in params.items():
        if k in skip:
            continue
        for x in v if isinstance(v, list | tuple) else [v]:
            if isinstance(x, str | os.PathLike) and str(x):
                for part in str(x).split(","):  # screen count joins replicates with commas
                    with contextlib.suppress(OSError, ValueError):
                        if Path(part).is_file():
                            files.append(part)
    return files


def run_output(
    out: str = "out",
    *,
    prefix: str | None = None,
    file_suffixes: tuple[str, ...] = (),
    check_only: bool = False,
) -> Callable[[F], F]:
    """Decorate a CLI command so that it runs as one run into its ``--out`` (or ``-n``) output.

    ``--out`` naming an existing file is refused before the command does any work. The
    command's options (without ``--out``/``-n`` and the options that do not change results)
    and ``--seed`` are recorded in the manifest.

    Parameters
    ----------
    out
        The name of the command's ``--out`` parameter.
    prefix
        The name of its output-prefix parameter (``output_prefix`` of ``screen count/test``):
        the run is then ``PREFIX.*`` with the manifest ``PREFIX.run.json``.
    file_suffixes
        Suffixes with which ``--out`` is (deprecated) the output file itself: then the one
        file is written atomically, without a run.
    check_only
        Only refuse an existing file as ``--out`` (``report``, which writes one file into a
        folder that is another run's).
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            target = kwargs.get(prefix) if prefix else kwargs.get(out)
            given = kwargs.get(out)
            if given is not None and Path(given).suffix.lower() in file_suffixes:
                if prefix is None:
                    return func(*args, **kwargs)  # the deprecated single-file --out
            elif out in kwargs:
                check_out_path(given)
            if check_only:
                return func(*args, **kwargs)
            ctx = kwargs.get("ctx")
            if ctx is not None and getattr(ctx, "invoked_subcommand", None) is not None:
                return func(*args, **kwargs)  # a group callback: the subcommand is the run
            skip = {out, prefix} if prefix else {out}
            options = {k: _json_value(v) for k, v in kwargs.items()
                       if k not in _NOT_RECORDED and k not in skip}  # fmt: skip
            with run_folder(target, command=_command_path(func), options=options,
                            seed=_json_value(kwargs.get("seed")), prefix=prefix is not None,
                            protected=_inputs(kwargs, skip)):  # fmt: skip
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _command_path(func: Callable[..., Any]) -> str:
    """``ifnexus simulate tcd50`` etc.: the click context's command path, else the function."""
    try:
        import importlib

        from ifnexus.cli._app import _click

        current = importlib.import_module(f"{_click.__name__}.globals").get_current_context
        ctx = current(silent=True)
    except Exception:  # noqa: BLE001 - only a label
        ctx = None
    path = getattr(ctx, "command_path", None)
    return str(path) if path else f"ifnexus {func.__name__}"


def check_run_folder(
    folder: str | os.PathLike[str],
    *,
    required: Iterable[str] = (),
    ignore: Iterable[str] = (),
) -> dict[str, Any] | None:
    """Check that ``folder`` holds the files of one complete run (its ``run.json``).

    Parameters
    ----------
    folder
        The folder a command wrote (e.g. a study folder of ``ifnexus demo``).
    required
        Files (relative) the caller reads: each must be one the run wrote.
    ignore
        Files (relative) not checked (e.g. a report rewritten since).

    Returns
    -------
    dict or None
        The manifest's record; ``None`` for a folder without manifest (written by the library
        functions, or by ifnexus before 0.2): nothing can be checked then.

    Raises
    ------
    InputFormatError
        A run into the folder did not finish, a listed file is missing or changed since, a
        required file is not the run's, or a folder inside holds another run's manifest. The
        message names the files.
    """
    d = Path(folder)
    run = _ACTIVE
    if run is not None and _abs(run.root) == _abs(d):
        return None  # the run in progress writes this folder (the report of `ifnexus demo`)
    problems: list[str] = []
    owner = _live_owner(d / ".ifnexus-journal")
    if owner is not None:
        problems.append(f".ifnexus-journal: a run (process {owner}) is writing into this folder")
    elif (d / ".ifnexus-journal").exists():
        problems.append(
            ".ifnexus-journal: a run into this folder did not finish (killed); the next run "
            "into it undoes or completes it"
        )
    rec = _read_manifest(d / MANIFEST)
    if rec is None:
        if problems:
            raise InputFormatError(f"{d}: {'; '.join(problems)}")
        return None
    rid = rec.get("id")
    skip = {Path(x).as_posix() for x in ignore}
    listed = set()
    for item in rec.get("files", []):
        rel = item.get("path") if isinstance(item, dict) else None
        if not isinstance(rel, str):
            continue
        listed.add(rel)
        if rel in skip:
            continue
        p = d / rel
        if not p.is_file():
            problems.append(f"{rel} is missing")
        elif p.stat().st_size != item.get("size") or _sha256(p) != item.get("sha256"):
            problems.append(f"{rel} was changed or rewritten by another run")
    for rel in required:
        if Path(rel).as_posix() not in listed and (d / rel).exists():
            problems.append(f"{rel} was not written by this run")
    for other in sorted(d.rglob(f"*{MANIFEST}")):
        if other == d / MANIFEST:
            continue
        orec = _read_manifest(other)
        if orec is not None and orec.get("id") != rid:
            problems.append(
                f"{other.relative_to(d).as_posix()} is the manifest of another run "
                f"({orec.get('command', '?')}, run {orec.get('id')})"
            )
    if problems:
        raise InputFormatError(
            f"{d}: files from different runs (run.json lists run {rid} of "
            f"`{rec.get('command', '?')}`): "
            + "; ".join(problems)
            + f". Re-run the command into a fresh folder (e.g. `ifnexus demo --out {d}`)"
        )
    return rec
