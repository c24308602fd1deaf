"""Fingerprints of every shipped card's outputs at a fixed seed: a refactoring must leave them unchanged.

Each run card in ``cards/`` runs with ``nevents = 2000`` (seed 1, every format the card asks for, one
shard in this process); one is run again in 2 shards on local processes. Each scan card runs on a
reduced grid (4 masses x 12 couplings, 2000 events per mass, serial, no cache, no plot). Every output
file is hashed (SHA-256); in JSON files the keys that hold wall-clock times, dates, hosts and paths are
dropped first, since they change from one run to the next on any code.

    python validation/golden_outputs.py --write golden.json     # before a change
    python validation/golden_outputs.py --check golden.json     # after it: prints every difference

The fingerprints depend on the machine's floating point (numba, libm) and, in the last bit of a few sums,
on where numpy's arrays fall in memory (its SIMD sums round by alignment), which the length of the
checkout's path shifts. Compare on one machine, in one folder, with the numba cache cleared (a cached
kernel does not notice an edit of a function it inlined from another file)::

    git worktree add --detach /tmp/golden BEFORE && cd /tmp/golden
    python validation/golden_outputs.py --write /tmp/before.json      # (the script copied in if BEFORE lacks it)
    git checkout --detach AFTER && find . -name '*.nb[ic]' -delete
    python validation/golden_outputs.py --check /tmp/before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT / "cards"
VOLATILE = ("second", "time", "timing", "cpu_s", "wall", "attempt", "pid", "date", "host", "path", "dir", "elapsed", "writers_cpu", "version", "created", "python",
            "platform", "user", "cwd", "files", "lock")
SCAN_OVERRIDES = {"scan_events": 2000}


def _scrub(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _scrub(v) for k, v in obj.items() if not any(s in k.lower() for s in VOLATILE)}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    return obj


def fingerprint(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        if f.suffix in (".png", ".pdf", ".lock"):
            continue
        data = f.read_bytes()
        if f.suffix == ".json":
            data = json.dumps(_scrub(json.loads(data)), sort_keys=True).encode()
        out[str(f.relative_to(folder))] = hashlib.sha256(data).hexdigest()
    return out


def run_cards(work: Path) -> dict[str, dict[str, str]]:
    from generator.cards import parse_card_text, read_card_text
    from generator.run import run_card
    from generator.scan import scan_config, scan_points
    from generator.scan_grid import scan_lists
    from generator.sensitivity import write_scan

    result: dict[str, dict[str, str]] = {}
    for card in sorted(CARDS.glob("*.dat")):
        out = work / card.stem
        if card.stem.endswith("_scan"):
            text = read_card_text(card)
            config = parse_card_text(text, str(card), **SCAN_OVERRIDES)
            masses, couplings, _, _ = scan_lists(config)
            idx = [0, len(masses) // 3, 2 * len(masses) // 3, len(masses) - 1]
            config = parse_card_text(text, str(card), scan_events=2000,
                                     scan_masses=", ".join(repr(float(masses[i])) for i in idx),
                                     scan_couplings=f"{couplings[0]!r}:{couplings[-1]!r}:12")
            res = scan_config(config, executor="serial", use_cache=False, work=scan_points(config))
            out.mkdir(parents=True)
            write_scan(res, out, plot=False, notes=[])
        else:
            run_card(card, progress=False, output_dir=str(out), nevents=2000, seed=1, executor="serial")
            if card.stem == "na64mu_scalar":
                run_card(card, progress=False, output_dir=str(work / "na64mu_scalar_2shards"), nevents=2000,
                         seed=1, executor="processes", jobs=2, shards=2)
        print(f"  {card.stem}", file=sys.stderr, flush=True)
    for folder in sorted(p for p in work.iterdir() if p.is_dir()):
        result[folder.name] = fingerprint(folder)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="JSON")
    group.add_argument("--check", metavar="JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        now = run_cards(Path(tmp))
    n_files = sum(len(v) for v in now.values())
    if args.write:
        Path(args.write).write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"{len(now)} runs, {n_files} files fingerprinted -> {args.write}")
        return 0
    before = json.loads(Path(args.check).read_text())
    differ = [(run, f) for run in sorted(set(before) | set(now))
              for f in sorted(set(before.get(run, {})) | set(now.get(run, {})))
              if before.get(run, {}).get(f) != now.get(run, {}).get(f)]
    for run, f in differ:
        print(f"DIFFERENT {run}/{f}")
    print(f"{len(now)} runs, {n_files} files: {n_files - len(differ)} identical, {len(differ)} different")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
