"""Page 1 of a Word report as LibreOffice prints it, as a PNG (for docs/docx-page1.png).

    .venv/bin/python tools/docx_preview.py outputs/2021/labour.docx docs/docx-page1.png

Needs LibreOffice (``make test-deps``); pypdfium2 (installed with the dev dependencies) draws the page.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main(docx: str, png: str, scale: float = 1.4) -> int:
    import pypdfium2

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("Chưa có LibreOffice (make test-deps).", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="dolisa-preview-") as tmp:
        profile = Path(tmp, "profile").as_uri()
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                docx,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pdf = pypdfium2.PdfDocument(str(Path(tmp) / (Path(docx).stem + ".pdf")))
        pdf[0].render(scale=scale).to_pil().save(png, optimize=True)
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
