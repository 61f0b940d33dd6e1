#!/usr/bin/env python3
"""Write docs/legal.md from the provision registry (esig.law_provisions).

Run after changing the registry: ``python scripts/gen_legal.py``. With ``--check`` it
writes nothing and exits 1 when the page is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from esig.law_provisions import render_markdown  # noqa: E402

PAGE = ROOT / "docs" / "legal.md"


def main(argv: list[str]) -> int:
    """Write (or with ``--check``, compare) docs/legal.md; the exit status."""
    text = render_markdown()
    if "--check" in argv:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is stale: run python scripts/gen_legal.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
