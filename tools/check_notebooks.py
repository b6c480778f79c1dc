"""Fail when a notebook in notebooks/ is stored with outputs or execution counts (use nbstripout)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dirty(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(
        c.get("outputs") or c.get("execution_count")
        for c in nb.get("cells", [])
        if c.get("cell_type") == "code"
    )


def main() -> int:
    bad = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if dirty(p)]
    for p in bad:
        print(f"{p.relative_to(ROOT)}: có kết quả chạy (outputs) — chạy `make format` hoặc nbstripout")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
