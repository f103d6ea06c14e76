"""Fuzzing the model loader with truncated and corrupted copies of the reference SBML files.

The loader runs in a child process, so that a crash of the interpreter (a segfault in a
native library) fails the test instead of killing the test run. Every variant must
either load (and compile) or raise `ModelFileError` naming the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REFERENCE_DIR

CHILD = r"""
import json, random, re, sys
from pathlib import Path
import mtor_sim as ms

src, tmp, seed = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
data = src.read_bytes()
variants = []
for _ in range(6):                                   # truncated copies
    variants.append(("truncated", data[: rng.randrange(0, len(data))]))
for _ in range(2):                                   # random bytes overwritten
    b = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    variants.append(("random bytes", bytes(b)))
ascii_ = b'0123456789eE+-.abxyz<>/="_ '
for _ in range(8):                                   # a few characters changed: often still
    b = bytearray(data)                              # XML, so libsbml and the compiler see it
    for _ in range(rng.randint(1, 5)):
        b[rng.randrange(len(b))] = rng.choice(ascii_)
    variants.append(("characters changed", bytes(b)))
tags = [m.start() for m in re.finditer(rb"</", data)]
for _ in range(3):                                   # a closing tag removed
    i = rng.choice(tags)
    j = data.index(b">", i) + 1
    variants.append(("tag removed", data[:i] + data[j:]))
variants.append(("empty", b""))
variants.append(("not xml", b"this is not a model\n"))
outcomes = []
for k, (kind, blob) in enumerate(variants):
    path = tmp / f"{src.stem}_{k}.xml"
    path.write_bytes(blob)
    try:
        model = ms.load_model(path)
        model._runner()                              # compile what loaded
        outcomes.append([kind, "loaded", ""])
    except ms.ModelFileError as exc:
        ok = str(path) in str(exc)
        outcomes.append([kind, "ModelFileError" if ok else "unnamed", str(exc)[:200]])
    except Exception as exc:                         # anything else is a defect
        outcomes.append([kind, type(exc).__name__, str(exc)[:200]])
print(json.dumps(outcomes))
"""


def test_loader_fuzz(tmp_path: Path) -> None:
    env = {**os.environ, "MTOR_SIM_CACHE": "off"}
    seen: dict[str, int] = {}
    for i, src in enumerate(sorted(REFERENCE_DIR.glob("*.xml"))):
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(src), str(tmp_path), str(i)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        assert proc.returncode == 0, (
            f"loader crashed on variants of {src.name}: {proc.stderr[-800:]}"
        )
        outcomes = json.loads(proc.stdout.strip().splitlines()[-1])
        bad = [o for o in outcomes if o[1] not in ("loaded", "ModelFileError")]
        assert not bad, f"{src.name}: unclear errors {bad}"
        for _, result, _ in outcomes:
            seen[result] = seen.get(result, 0) + 1
    assert seen.get("ModelFileError", 0) >= 20  # the fuzz really produced broken files
    assert seen.get("loaded", 0) >= 4  # and near-valid ones that reach the compiler
