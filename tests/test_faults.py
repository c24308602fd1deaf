"""Fault injection: every row of issue 13's table, run as a user would (mostly a real ``mudump``
subprocess), asserting the new behaviour.

| row                                   | test                                                          |
|---------------------------------------|---------------------------------------------------------------|
| absurd --nevents, no free space        | test_absurd_nevents_refused_with_estimate, test_no_free_space |
| SIGTERM / kill -9 mid-write            | test_signal_mid_write, test_sigkill_then_next_run_cleans      |
| Ctrl-C                                 | test_sigint_mid_write                                         |
| output directory with an earlier run   | test_earlier_run_gets_run_01, test_overwrite_removes_...      |
| two runs into one directory            | test_concurrent_run_fails_at_once, test_stale_lock_cleared    |
| missing / unreadable card, unwritable  | test_card_file_errors, test_unwritable_output_before_...      |
| output is a file, ulimit -f, full disk | test_output_is_a_file, test_file_size_limit, test_disk_full   |
| binary / non-UTF-8 card                | test_card_file_errors                                         |
| --json without --quiet                 | test_json_stdout_only_progress_on_stderr                      |
| success report                         | test_success_summary                                          |
| --help pages                           | test_help_lists_choices_and_defaults                          |
| mudump card                            | test_card_command_without_template, test_cards_readme         |
| overrides warn only on a change        | test_override_warns_only_on_change                            |
| card run from another directory        | test_card_paths_relative_to_the_card                          |
| coupling 0 / non-perturbative          | test_coupling_refusals                                        |
| API given a string or list             | test_api_not_a_number                                         |

A run slowed enough to be killed mid-write is a tiny card (few VEGAS evaluations) with a large
``nevents``: it is killed as soon as its first partial file appears in the output directory.

Most of a ``mudump`` process's time (~2-3 s of CPU) is Python's imports and numba's start-up (which loads
the ``vector`` and ``awkward`` numba extensions), so the file keeps the number of processes down: what only
checks a command's messages and exit code runs ``main(argv)`` in this process (the ``mudump_here``
fixture); what needs a process of its own (signals, kill -9, a lock held by another pid, dropped
capabilities, ``ulimit -f``, a real traceback, the entry point) still gets one, the independent ones of a
test at the same time (:func:`mudump_all`, the SIGTERM and SIGINT runs); the SIGKILL test and the
``--json`` test share one pair of runs (a module fixture).
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import generator
from generator import rundir
from generator.cards import load_card, parse_card_text, template_config
from generator.cli import main
from generator.exceptions import (
    CardError,
    CardFileError,
    NotANumber,
    OutputError,
    RunInterrupted,
    RunLocked,
)
from generator.run import run_card, run_config

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "generator.cli"]
FINAL_NAMES = set(rundir.FILE_NAMES.values()) | {"summary.json"}

TINY = """# tiny card: quick integration, events as many as asked
  scalar       = process
  leptophilic  = model
  0.1          = mass
  5e-4         = coupling
  Pb           = target
  160.0        = beam_energy
  {nevents}    = nevents
  1            = seed
  0.3          = precision
  2            = nitn_adapt
  2000         = neval
  {formats}    = output_formats
  '{out}'      = output_dir
"""


def tiny_card(tmp_path: Path, *, nevents: int = 200, formats: str = "lhe", out: Path | None = None,
              name: str = "tiny.dat") -> Path:
    card = tmp_path / name
    card.write_text(TINY.format(nevents=nevents, formats=formats, out=out or tmp_path / "out"))
    return card


def mudump(*args: str, cwd: Path | None = None, preexec_fn=None, timeout: float = 300
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], check=False, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd or REPO, preexec_fn=preexec_fn)


def start(*args: str, cwd: Path | None = None, preexec_fn=None) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=cwd or REPO, preexec_fn=preexec_fn)  # noqa: PLW1509 -- as mudump() does


def mudump_all(*calls: tuple[str, ...], cwd: Path | None = None, preexec_fn=None, timeout: float = 300
               ) -> list[subprocess.CompletedProcess[str]]:
    """Run independent ``mudump`` commands at the same time (each as :func:`mudump` would, in its own
    process; most of a command's time is Python's imports, which the machine's cores share)."""
    procs = [start(*args, cwd=cwd, preexec_fn=preexec_fn) for args in calls]
    done = []
    for args, proc in zip(calls, procs):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        done.append(subprocess.CompletedProcess([*CLI, *args], proc.returncode, out, err))
    return done


def one_error_line(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, f"exit code {proc.returncode}; stderr: {proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ": warning: " not in ln]  # e.g. an override
    assert len(lines) == 1, f"expected one error line on stderr, got {len(lines)}: {proc.stderr}"
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    """Partial files, staging folders and lock files anywhere below ``folder``."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".part") or p.name.startswith(".mudump-spool-")
                  or p.name == rundir.LOCK_NAME)


def wait_for_partial_file(proc: subprocess.Popen[str], out: Path, limit_s: float = 240) -> None:
    """Block until the run writes its first partial file (``*.part``, or a staging folder) in ``out``."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before writing: {proc.communicate()}")
        if out.is_dir() and any(p.name.endswith(".part") or p.name.startswith(".mudump-spool-")
                                for p in out.iterdir()):
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("no partial file appeared")


def _drop_file_capabilities() -> None:  # pragma: no cover - runs in the child
    """As root, give up the capabilities that bypass file permissions, so chmod applies (CI as a user
    needs nothing). PR_CAPBSET_DROP = 24; CAP_DAC_OVERRIDE = 1, CAP_DAC_READ_SEARCH = 2, CAP_FOWNER = 3."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture(autouse=True)
def _no_system_temp_spool(tmp_path, monkeypatch):
    """Nothing of a run may go to the system temp directory (the issue's hidden spool)."""
    tmp = tmp_path / "system-tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    yield
    assert not list(tmp.iterdir()), f"a run wrote to the system temp directory: {list(tmp.iterdir())}"


# ------------------------------------------------------------------------------------------------
# 1. absurd nevents, free space
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_absurd_nevents_refused_with_estimate(tmp_path):
    card = tiny_card(tmp_path)
    out = tmp_path / "out"
    proc = mudump("run", str(card), "--nevents", "1000000000000", cwd=tmp_path)
    line = one_error_line(proc)
    assert "nevents" in line
    assert str(card) in line
    assert re.search(r"about [\d.]+ PB", line), line  # the size
    assert "days" in line  # the time
    assert "integrating" not in proc.stderr
    assert not out.exists(), "refused before any file"


def test_estimate_is_measured_per_format():
    est = rundir.estimate(1000, ["lhe", "root"])
    assert est.bytes == 1000 * (rundir.BYTES_PER_EVENT["lhe"] + rundir.BYTES_PER_EVENT["root"])
    assert est.seconds > 0
    assert rundir.estimate(0, ["lhe"]).bytes == 0


def test_written_size_matches_the_estimate(tmp_path):
    """The bytes per event of the size model are those the writers produce (within a factor 2)."""
    cfg = load_card(tiny_card(tmp_path, nevents=2000, formats="lhe, root, hepmc"))
    s = run_config(cfg, progress=False)
    for fmt in ("lhe", "root", "hepmc"):
        per_event = Path(s["files"][fmt]).stat().st_size / 2000
        assert 0.5 < per_event / rundir.BYTES_PER_EVENT[fmt] < 2, (fmt, per_event)


def test_no_free_space_refused_before_integration(tmp_path, monkeypatch):
    import shutil

    import generator.run as run_module

    free = shutil.disk_usage(tmp_path)._replace(free=5_000_000)
    monkeypatch.setattr(rundir.shutil, "disk_usage", lambda _p: free)
    monkeypatch.setattr(run_module, "integrate_point", _must_not_integrate)
    cfg = load_card(tiny_card(tmp_path, nevents=1_000_000))
    with pytest.raises(OutputError, match=r"needs about .* but only 5 MB are free") as info:
        run_config(cfg, progress=False)
    assert str(tmp_path / "out") in str(info.value)
    assert leftovers(tmp_path / "out") == []


def _must_not_integrate(*_a, **_k):
    raise AssertionError("the integration started although the run should have been refused")


# ------------------------------------------------------------------------------------------------
# 2. signals
# ------------------------------------------------------------------------------------------------
SIGNALS = [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")]


@pytest.mark.slow
def test_signal_mid_write(tmp_path):
    """SIGTERM and SIGINT, each to its own run (both runs at the same time, in their own directories)."""
    runs = []
    for sig, code, name in SIGNALS:
        out = tmp_path / f"out_{name}"
        card = tiny_card(tmp_path, nevents=20_000_000, formats="lhe, root", out=out, name=f"{name}.dat")
        runs.append((sig, code, name, out, start("run", str(card), "-q", cwd=tmp_path)))
    for sig, _code, _name, out, proc in runs:
        wait_for_partial_file(proc, out)
        proc.send_signal(sig)
    for _sig, code, name, out, proc in runs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == code, stderr
        assert "Traceback" not in stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        assert f"interrupted by {name}" in lines[0]
        assert stdout == ""
        assert leftovers(out) == [], "partial files or the lock remain"
        assert not FINAL_NAMES & {p.name for p in out.iterdir()}, "a file with a final name was written"


@pytest.fixture(scope="module")
def killed_then_rerun(tmp_path_factory):
    """A run killed with SIGKILL mid-write, then a 100-event ``--json`` run into the same directory: one pair
    of runs for the test of the cleanup and the test of ``--json`` (nothing may go to the temp directory)."""
    tmp_path = tmp_path_factory.mktemp("killed")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(system_tmp)
    try:
        out = tmp_path / "out"
        big = tiny_card(tmp_path, nevents=20_000_000, name="big.dat")
        proc = start("run", str(big), "-q", cwd=tmp_path)
        wait_for_partial_file(proc, out)
        proc.kill()
        proc.communicate(timeout=60)
        left = leftovers(out)
        small = tiny_card(tmp_path, nevents=100, name="small.dat")
        again = mudump("run", str(small), "--json", cwd=tmp_path)
    finally:
        if previous is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = previous
    assert not list(system_tmp.iterdir()), f"a run wrote to the system temp directory: {list(system_tmp.iterdir())}"
    return out, left, again


@pytest.mark.slow
def test_sigkill_then_next_run_cleans(killed_then_rerun):
    out, left, again = killed_then_rerun
    assert rundir.LOCK_NAME in left, left  # what kill -9 leaves: the lock ...
    assert len(left) >= 2, left  # ... and partial files
    assert again.returncode == 0, again.stderr
    assert "removed the stale lock" in again.stderr
    assert "partial file(s) of an interrupted run" in again.stderr
    assert leftovers(out) == []
    summary = json.loads(again.stdout)
    assert Path(summary["files"]["lhe"]) == out / "events.lhe", "a killed run is not an earlier run"


def test_sigterm_in_the_api_removes_partial_files(tmp_path):
    """run_config raises RunInterrupted (a KeyboardInterrupt) after removing the partial files."""
    cfg = load_card(tiny_card(tmp_path, nevents=5000))

    class KillWhileGenerating:
        def integrating(self, g2):
            return generator.progress.NullProgress().integrating(g2)

        def generating(self, total):
            import contextlib

            @contextlib.contextmanager
            def ctx():
                def advance(k):
                    if k:
                        os.kill(os.getpid(), signal.SIGTERM)
                yield advance
            return ctx()

    import generator.progress

    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RunInterrupted, match="SIGTERM") as info:
        run_config(cfg, progress=KillWhileGenerating())
    assert info.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == previous, "the handler is restored"
    assert leftovers(tmp_path / "out") == []


# ------------------------------------------------------------------------------------------------
# 3. runs never mix
# ------------------------------------------------------------------------------------------------
def _fake_earlier_run(out: Path) -> None:
    out.mkdir(parents=True)
    (out / "summary.json").write_text('{"earlier": true}\n')
    (out / "events_fairship.root").write_text("an older run's file\n")


def test_earlier_run_gets_run_01_then_run_02(tmp_path):
    out = tmp_path / "out"
    _fake_earlier_run(out)
    card = tiny_card(tmp_path, nevents=50)
    first = run_card(card, progress=False)
    second = run_card(card, progress=False)
    assert Path(first["files"]["lhe"]) == out / "run_01" / "events.lhe"
    assert Path(second["files"]["lhe"]) == out / "run_02" / "events.lhe"
    assert json.loads((out / "summary.json").read_text()) == {"earlier": True}, "the earlier run is untouched"
    assert (out / "events_fairship.root").exists()
    assert sorted(p.name for p in (out / "run_01").iterdir()) == ["events.lhe", "summary.json"]


@pytest.mark.slow
def test_overwrite_removes_the_earlier_runs_files(tmp_path):
    out = tmp_path / "out"
    _fake_earlier_run(out)
    (out / "notes.txt").write_text("mine\n")
    proc = mudump("run", str(tiny_card(tmp_path, nevents=50)), "--overwrite", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "--overwrite removed the earlier run's summary.json, events_fairship.root" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["events.lhe", "notes.txt", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["n_events"] == 50


@pytest.mark.slow
def test_concurrent_run_fails_at_once(tmp_path):
    out = tmp_path / "out"
    first = start("run", str(tiny_card(tmp_path, nevents=20_000_000, name="big.dat")), "-q", cwd=tmp_path)
    try:
        wait_for_partial_file(first, out)
        second = mudump("run", str(tiny_card(tmp_path, nevents=50, name="small.dat")), cwd=tmp_path)
        line = one_error_line(second)
        assert str(out) in line
        assert f"another mudump run (pid {first.pid}" in line
        assert "integrating" not in second.stderr
        assert first.poll() is None, "the first run goes on"
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    assert first.returncode == 143
    assert leftovers(out) == []


def test_stale_lock_of_a_dead_process_is_cleared(tmp_path, caplog):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (out / rundir.LOCK_NAME).write_text(f"pid={dead.pid}\nhost={socket.gethostname()}\nstarted=then\n")
    with caplog.at_level(logging.WARNING):
        s = run_card(tiny_card(tmp_path, nevents=50), progress=False)
    assert Path(s["files"]["lhe"]) == out / "events.lhe"
    assert f"stale lock of mudump run pid {dead.pid}" in caplog.text
    assert leftovers(out) == []


def test_live_lock_raises_run_locked_in_the_api(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / rundir.LOCK_NAME).write_text(f"pid={os.getppid()}\nhost={socket.gethostname()}\n")
    with pytest.raises(RunLocked, match=f"another mudump run \\(pid {os.getppid()}"):
        run_card(tiny_card(tmp_path), progress=False)
    assert (out / rundir.LOCK_NAME).exists(), "someone else's lock is left alone"


# ------------------------------------------------------------------------------------------------
# 4. errors for people
# ------------------------------------------------------------------------------------------------
def _card_cases(tmp_path: Path) -> list[tuple[str, Path, str]]:
    missing = tmp_path / "nope.dat"
    unreadable = tiny_card(tmp_path, name="secret.dat")
    unreadable.chmod(0)
    binary = tmp_path / "junk.dat"
    binary.write_bytes(bytes(range(256)) * 4)
    latin1 = tmp_path / "latin1.dat"
    latin1.write_bytes(tiny_card(tmp_path, name="x.dat").read_bytes() + "0.1 = mass ! \u00b5\n".encode("latin-1"))
    folder = tmp_path / "folder.dat"
    folder.mkdir()
    return [("no such file", missing, "no such file"), ("unreadable", unreadable, "permission denied"),
            ("binary", binary, "binary file"), ("latin-1", latin1, ":15: byte 0xb5 is not UTF-8"),
            ("directory", folder, "is a directory")]


@pytest.mark.slow
def test_card_file_errors(tmp_path, mudump_here):
    """The unreadable card (permissions, root's capabilities dropped) and --debug (a real traceback) in
    their own processes, started first; the other cases in this process meanwhile."""
    cases = _card_cases(tmp_path)
    real = {"unreadable"}
    procs = {what: start("run", str(card), preexec_fn=_drop_file_capabilities, cwd=tmp_path)
             for what, card, _ in cases if what in real}
    debug_proc = start("run", str(tmp_path / "nope.dat"), "--debug", cwd=tmp_path)
    done = {what: mudump_here("run", str(card), cwd=tmp_path) for what, card, _ in cases if what not in real}
    for what, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        done[what] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    out, err = debug_proc.communicate(timeout=300)
    debug = subprocess.CompletedProcess(debug_proc.args, debug_proc.returncode, out, err)
    for what, card, needle in cases:
        line = one_error_line(done[what])
        assert line.startswith(f"mudump run: error: {card}"), (what, line)
        assert needle in line, (what, line)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr
    assert "CardFileError" in debug.stderr


def test_card_file_errors_are_typed_in_the_api(tmp_path):
    with pytest.raises(CardFileError, match="nope.dat: no such file; .*mudump card"):
        load_card(tmp_path / "nope.dat")
    junk = tmp_path / "junk.dat"
    junk.write_bytes(b"\x00\x01\x02")
    with pytest.raises(CardError, match="junk.dat: is a binary file"):
        load_card(junk)
    assert isinstance(CardFileError("x", "y", "z"), OSError)


@pytest.mark.slow
def test_unwritable_output_refused_before_integration(tmp_path):
    locked = tmp_path / "readonly"
    locked.mkdir()
    locked.chmod(0o555)
    outs = (locked, locked / "sub")
    card = str(tiny_card(tmp_path))
    procs = mudump_all(*(("run", card, "--output", str(out)) for out in outs),
                       preexec_fn=_drop_file_capabilities, cwd=tmp_path)
    for out, proc in zip(outs, procs):
        line = one_error_line(proc)
        assert str(out) in line, line
        assert "permission denied" in line, line
        assert "integrating" not in proc.stderr


def test_output_is_a_file(tmp_path, mudump_here):
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    for out, needle in ((afile, f"{afile}: is a file"), (afile / "sub", f"is inside {afile}, which is a file")):
        line = one_error_line(mudump_here("run", str(tiny_card(tmp_path)), "--output", str(out), cwd=tmp_path))
        assert needle in line, line
    with pytest.raises(OutputError, match="is a file, but the output must be a directory"):
        run_config(load_card(tiny_card(tmp_path)).replace(output_dir=str(afile)), progress=False)


def _file_size_limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


@pytest.mark.slow
def test_file_size_limit(tmp_path):
    out = tmp_path / "out"
    proc = mudump("run", str(tiny_card(tmp_path, nevents=5000)), "-q", preexec_fn=_file_size_limit, cwd=tmp_path)
    line = one_error_line(proc)
    assert str(out) in line
    assert "file-size limit (ulimit -f)" in line
    assert leftovers(out) == []
    assert not FINAL_NAMES & {p.name for p in out.iterdir()}


@pytest.mark.usefixtures("_restore_logging")
def test_disk_full_while_writing(tmp_path, monkeypatch, capsys):
    import generator.run as run_module

    def full(out_dir, *args, **kwargs):
        (out_dir / "events.lhe.part").write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "events.lhe.part"))

    monkeypatch.setattr(run_module, "write_run", full)
    card = tiny_card(tmp_path)
    with pytest.raises(OutputError, match="the disk is full while writing .*events.lhe.part"):
        run_card(card, progress=False)
    assert main(["run", str(card), "-q"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "the disk is full" in err[0]
    assert str(tmp_path / "out") in err[0]
    assert leftovers(tmp_path / "out") == []


# ------------------------------------------------------------------------------------------------
# 5. reporting
# ------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_json_stdout_only_progress_on_stderr(killed_then_rerun):
    proc = killed_then_rerun[2]  # a 100-event run with --json (after a killed one: its warnings go to stderr too)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # nothing else on stdout
    assert summary["n_events"] == 100
    assert "integrating" in proc.stderr
    assert "sigma =" in proc.stderr
    assert "generating" in proc.stderr


def test_success_summary(tmp_path, mudump_here):
    card = tmp_path / "na64.dat"
    card.write_text(TINY.format(nevents=200, formats="lhe, root", out=tmp_path / "na64")
                    .replace("Pb           = target", "na64mu = experiment").replace("160.0        = beam_energy", ""))
    proc = mudump_here("run", str(card), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert re.search(r"^sigma = [\d.e+-]+ \+- [\d.e+-]+ pb", text, re.MULTILINE), text
    assert re.search(r"produced [\d.e+-]+ .*-> decayed in volume [\d.e+-]+ .*-> accepted [\d.e+-]+", text), text
    for name in ("events.lhe", "events.root", "summary.json"):
        assert str(tmp_path / "na64" / name) in text
    assert proc.stderr == "", "-q: nothing on stderr"


def test_verbosity_options(tmp_path, mudump_here):
    card = tiny_card(tmp_path, nevents=20)
    loud = mudump_here("run", str(card), "--seed", "2", "--log-level", "debug", cwd=tmp_path)
    quiet = mudump_here("run", str(card), "--seed", "3", "-q", cwd=tmp_path)
    assert loud.returncode == 0
    assert "info: " in loud.stderr  # an override is said at info level (what the user asked for)
    assert "seed = 1 from the card" in loud.stderr
    assert quiet.returncode == 0
    assert quiet.stderr == ""


@pytest.mark.slow
def test_help_lists_choices_and_defaults():
    from generator.cli import build_parser

    parser = build_parser(["xsec"])
    commands = next(a for a in parser._actions if a.choices and "run" in a.choices).choices
    assert {"run", "card", "xsec", "width"} <= set(commands)
    helps = mudump_all(*((command, "--help") for command in commands))
    for command, proc in zip(commands, helps):
        assert proc.returncode == 0, proc.stderr
        options = re.split(r"\n  (?=-)", proc.stdout.split("options:", 1)[1])[1:]
        for option in options:
            if option.startswith(("-h,", "--version")):
                continue
            flat = " ".join(option.split())
            assert "default" in flat or "(required)" in flat, f"mudump {command} --help: {flat}"
    xsec = mudump("xsec", "--help").stdout
    assert "ww, iww" in xsec  # methods are the process's: named in the help, checked by its schema
    assert "{debug,info,warning,error}" in xsec


def test_card_command_without_template(mudump_here):
    proc = mudump_here("card")
    assert proc.returncode == 0, proc.stderr
    assert parse_card_text(proc.stdout) == template_config()
    assert "mudump card > my_run.dat" in proc.stdout  # the header says how to save it


def test_cards_readme_lists_the_cards_that_exist():
    readme = (REPO / "cards" / "README.md").read_text()
    assert "to come" not in readme
    for card in (REPO / "cards").glob("*.dat"):
        assert f"`{card.name}`" in readme, card.name
    assert "mudump card > " in readme


def test_override_warns_only_on_change(tmp_path, caplog):
    card = tiny_card(tmp_path)
    with caplog.at_level(logging.INFO, logger="generator.cards"):
        load_card(card, seed=1, nevents="200", output_formats=["lhe"])
    assert caplog.text == ""
    with caplog.at_level(logging.INFO, logger="generator.cards"):
        load_card(card, seed=2)
    assert "seed = 1 from the card is overridden by 2" in caplog.text


def test_card_paths_relative_to_the_card(tmp_path, monkeypatch):
    from generator.plan import plan

    monkeypatch.chdir(tmp_path)  # not the card's folder
    cfg = load_card(REPO / "cards" / "fasernu2_scalar.dat", n_flux_muons=500)
    assert cfg.flux_file is not None
    assert not Path(cfg.flux_file).is_absolute()
    assert plan(cfg).beam_energy > 0


def test_coupling_refusals(tmp_path, mudump_here):
    card = tiny_card(tmp_path)
    for value, needles in (("0", ("coupling = 0", "produces no boson", "a coupling > 0")),
                           ("5", ("g_mu^2/4pi = 1.99 > 1", "not perturbative", "sqrt(4 pi) = 3.545"))):
        text = card.read_text().replace("5e-4         = coupling", f"{value} = coupling")
        bad = tmp_path / f"g{value}.dat"
        bad.write_text(text)
        line = one_error_line(mudump_here("run", str(bad), cwd=tmp_path))
        assert f"{bad}:5: coupling:" in line
        for needle in needles:
            assert needle in line, line


def test_xsec_and_width_refuse_the_coupling_as_a_card_does(mudump_here):
    """Issue 16: coupling 0 and g^2/4pi > 1 are refused on every path (a card, the API, xsec, width)."""
    zero = mudump_here("width", "--mass", "0.1", "--coupling", "0", "--json")
    big = mudump_here("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "5", "--method", "iww", "--json")
    fine = mudump_here("xsec", "--energy", "160", "--mass", "0.1", "--coupling", "1", "--method", "iww", "--json")
    assert zero.returncode == 1
    assert zero.stdout == ""
    assert "coupling = 0: g_mu = 0 produces no boson" in zero.stderr
    assert big.returncode == 1, big.stderr
    assert "g_mu^2/4pi = 1.99 > 1 is not perturbative" in big.stderr
    with pytest.raises(CardError, match="coupling = 0"):
        generator.cross_section(target="Pb", energy=160.0, mass=0.1, coupling=0.0, method="iww")
    assert fine.stderr == ""


def test_api_not_a_number():
    base = {"target": "Pb", "energy": 160.0, "mass": 0.1, "coupling": 5e-4, "method": "iww"}
    for key, value in (("energy", "160"), ("mass", [0.1]), ("coupling", "5e-4"), ("precision", "1%")):
        with pytest.raises(NotANumber, match=f"{key} = .* is a (str|list), not a number; expected"):
            generator.cross_section(**{**base, key: value})
    with pytest.raises(TypeError, match="seed = 1.5 is a float, not an integer"):
        generator.cross_section(**base, seed=1.5)
    with pytest.raises(CardError, match="mass: 'heavy' is not a number"):
        template_config().replace(mass="heavy")


# ------------------------------------------------------------------------------------------------
# issue 18: a scan card is not one run; the lock before the heavy imports
# ------------------------------------------------------------------------------------------------
def test_run_refuses_a_scan_card_without_mass_and_coupling(tmp_path, mudump_here):
    """A scan card gets mass and coupling from its grids for mudump scan; mudump run would run a point it
    chose (m = 2 GeV, g = 0.00316 on the FNAL card) without saying so: refused, naming mudump scan."""
    card = REPO / "cards" / "na64mu_scalar_scan.dat"
    line = one_error_line(mudump_here("run", str(card), "--output", str(tmp_path / "out")))
    assert f"{card}:" in line
    assert "scan_masses" in line
    assert "mudump scan" in line
    assert not (tmp_path / "out").exists()
    with pytest.raises(CardError, match="without mass and coupling"):
        run_card(card, progress=False, output_dir=str(tmp_path / "out"))


def test_run_of_a_scan_card_with_its_own_point_runs_it(tmp_path):
    """Given mass and coupling explicitly, a scan card runs that point (here as overrides, the API's way)."""
    card = REPO / "cards" / "na64mu_scalar_scan.dat"
    cfg = load_card(card, mass=0.2, coupling=1e-3, nevents=0, precision=0.3, nitn_adapt=2, neval=2000)
    rundir.check_one_point(cfg, {"mass": 0.2, "coupling": 1e-3})
    assert (cfg.mass, cfg.coupling) == (0.2, 1e-3)
    with pytest.raises(CardError, match="without coupling"):
        rundir.check_one_point(load_card(card, mass=0.2), {"mass": 0.2})


def test_a_locked_run_stops_before_the_heavy_imports(tmp_path):
    """The lock is taken before the integration and writers are imported (numba kernels, vegas, awkward,
    uproot): a refused concurrent run says so in about a second instead of after all of them."""
    out = tmp_path / "out"
    out.mkdir()
    (out / rundir.LOCK_NAME).write_text(f"pid={os.getpid()}\nhost={socket.gethostname()}\n")
    code = ("import sys\nfrom generator.cli import main\nrc = main(sys.argv[1:])\n"
            "print(rc, [m for m in ('generator.run', 'generator.plan', 'vegas', 'awkward', 'uproot') "
            "if m in sys.modules])\n")
    proc = subprocess.run([sys.executable, "-c", code, "run", str(tiny_card(tmp_path, out=out))], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.stdout.strip() == "1 []", proc.stdout + proc.stderr
    assert f"another mudump run (pid {os.getpid()}" in proc.stderr
    assert (out / rundir.LOCK_NAME).exists(), "someone else's lock is left alone"


def test_a_run_refused_after_the_lock_leaves_no_directory(tmp_path, mudump_here):
    """hold_lock creates the output directory; a run refused inside it (the plan's refusals) removes it."""
    card = tiny_card(tmp_path)
    card.write_text(card.read_text().replace("Pb           = target", "Unobtainium = target"))
    line = one_error_line(mudump_here("run", str(card), cwd=tmp_path))
    assert "Unobtainium" in line
    assert not (tmp_path / "out").exists()
