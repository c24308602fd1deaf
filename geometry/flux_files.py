"""Muon flux files: reading (CSV, ROOT, parquet), checking and writing (CSV with a provenance header).

One row per muon; all columns required, extra columns ignored (:data:`FLUX_COLUMNS`)::

    x, y, z [m], px, py, pz [GeV], weight [muons per POT or per MOT], pdg (+-13)

* CSV with a header row (``#`` comment lines allowed before it; :func:`write_flux_csv` writes one, the
  provenance: where the sample came from and what its weights count);
* ROOT: a TTree with those branch names (read with uproot; ``tree=`` selects it if the file has several);
* parquet: read with ``awkward.from_parquet`` (needs ``pyarrow``).

The sample itself, with its accessors and the sources that make one, is
:class:`geometry.beams.MuonFlux` (``MuonFlux.from_file``, ``MuonFlux.to_csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FLUX_COLUMNS", "flux_arrays", "read_flux_columns", "write_flux_csv"]

#: Required columns / branches of a flux file, in order.
FLUX_COLUMNS: tuple[str, ...] = ("x", "y", "z", "px", "py", "pz", "weight", "pdg")

#: The columns of a file as read: text fields (CSV) or arrays (ROOT, parquet), by header / branch name.
FluxColumns = dict[str, list[str]] | dict[str, np.ndarray]


def read_flux_columns(path: Path, tree: str | None = None) -> FluxColumns:
    """The columns of the flux file ``path``: ``.csv``, ``.root`` (TTree ``tree``) or ``.parquet``/``.pq``.

    Raises
    ------
    FileNotFoundError, ValueError, ImportError (parquet without pyarrow)
    """
    if not path.is_file():
        raise FileNotFoundError(f"flux file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".root":
        return _read_root(path, tree)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    raise ValueError(f"flux file {path}: suffix {suffix!r} but require .csv, .root, .parquet or .pq")


def flux_arrays(columns: Mapping[str, Any], source: str) -> dict[str, np.ndarray]:
    """The :data:`FLUX_COLUMNS` of ``columns`` as float arrays, checked.

    Raises
    ------
    ValueError
        Naming ``source`` and the missing column(s), or the column and row (1-based data row) of a
        non-numeric / non-finite value, a negative weight or a pdg other than +-13.
    """
    missing = [c for c in FLUX_COLUMNS if c not in columns]
    if missing:
        raise ValueError(
            f"flux file {source}: missing column(s) {', '.join(missing)}; "
            f"required columns: {', '.join(FLUX_COLUMNS)}"
        )
    arrays: dict[str, np.ndarray] = {}
    for c in FLUX_COLUMNS:
        arrays[c] = _numeric_column(columns[c], c, source)
    n = {len(a) for a in arrays.values()}
    if len(n) != 1:
        raise ValueError(f"flux file {source}: columns have different lengths {sorted(n)}")
    w = arrays["weight"]
    if np.any(w < 0):
        row = int(np.argmax(w < 0))
        raise ValueError(
            f"flux file {source}: column 'weight' row {row + 1}: {w[row]} but require weight >= 0"
        )
    pdg = arrays["pdg"]
    bad = ~np.isin(pdg, (13.0, -13.0))
    if np.any(bad):
        row = int(np.argmax(bad))
        raise ValueError(
            f"flux file {source}: column 'pdg' row {row + 1}: {pdg[row]:g} but require 13 (mu-) or -13 (mu+)"
        )
    p2 = arrays["px"] ** 2 + arrays["py"] ** 2 + arrays["pz"] ** 2
    if np.any(p2 <= 0):
        row = int(np.argmax(p2 <= 0))
        raise ValueError(f"flux file {source}: row {row + 1}: zero momentum but require |p| > 0")
    return arrays


def write_flux_csv(path: str | Path, columns: Sequence[np.ndarray], source: str, weight_unit: str) -> None:
    """Write the :data:`FLUX_COLUMNS` ``columns`` (in that order) as a flux CSV, after the provenance line
    ``# source: {source}; weight {weight_unit}``."""
    data = np.column_stack(list(columns))
    with Path(path).open("w", encoding="utf-8") as fh:
        fh.write(f"# source: {source}; weight {weight_unit}\n")
        fh.write(",".join(FLUX_COLUMNS) + "\n")
        np.savetxt(fh, data, delimiter=",", fmt=["%.17g"] * 7 + ["%d"])


def _numeric_column(values: Any, name: str, source: str) -> np.ndarray:
    raw = list(values) if not isinstance(values, np.ndarray) else values
    out = np.empty(len(raw), dtype=float)
    for i, v in enumerate(raw):
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            raise ValueError(
                f"flux file {source}: column {name!r} row {i + 1}: {v!r} is not a number"
            ) from None
    bad = ~np.isfinite(out)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(
            f"flux file {source}: column {name!r} row {i + 1}: {out[i]} but require a finite number"
        )
    return out


def _read_csv(path: Path) -> dict[str, list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        lines = [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError(f"flux file {path}: no header row; required columns: {', '.join(FLUX_COLUMNS)}")
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader)]
    cols: dict[str, list[str]] = {h: [] for h in header}
    for lineno, row in enumerate(reader, start=1):
        if len(row) != len(header):
            raise ValueError(
                f"flux file {path}: row {lineno} has {len(row)} fields but the header has {len(header)}"
            )
        for h, v in zip(header, row):
            cols[h].append(v.strip())
    return cols


def _read_root(path: Path, tree: str | None) -> dict[str, np.ndarray]:
    import uproot

    with uproot.open(path) as f:
        kinds = ("TTree", "ROOT::RNTuple")  # uproot >= 5.4 may write RNTuples; accept both
        trees = sorted({k.split(";")[0] for k, cls in f.classnames().items() if cls in kinds})
        if tree is None:
            if len(trees) != 1:
                raise ValueError(f"flux file {path}: {len(trees)} trees {trees}; pass tree= one of them")
            tree = trees[0]
        if tree not in trees:
            raise ValueError(f"flux file {path}: tree {tree!r} not found; available: {trees}")
        t = f[tree]
        present = set(t.keys())
        names = [c for c in FLUX_COLUMNS if c in present]
        arrays = t.arrays(names, library="np") if names else {}
    return {k: np.asarray(v) for k, v in arrays.items()}


def _read_parquet(path: Path) -> dict[str, np.ndarray]:
    try:
        import pyarrow  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f"reading the parquet flux file {path} needs pyarrow: pip install pyarrow "
            "(or convert the file to CSV or ROOT)"
        ) from err
    import awkward as ak

    arr = ak.from_parquet(path)
    return {f: ak.to_numpy(arr[f]) for f in ak.fields(arr)}
