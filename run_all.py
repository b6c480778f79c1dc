#!/usr/bin/env python3
"""Build every thematic report from the data in data/raw/ — see ``python run_all.py --help``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))  # works before `pip install -e .` too

from dolisa_reports.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
