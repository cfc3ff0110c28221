"""LibreOffice headless, to print a workbook to PDF, and poppler, to read a PDF's pages back."""

import re
import shutil
import subprocess


def soffice():
    """LibreOffice's `soffice` on PATH, or None (tests then skip; CI installs it)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_to_pdf(office, document, tmp_path):
    """`document` converted to PDF by LibreOffice headless (its own profile, so runs in parallel do not meet)."""
    outdir = tmp_path / "office-out"
    outdir.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation={(tmp_path / 'office-profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(document),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = outdir / (document.stem + ".pdf")
    assert result.returncode == 0 and pdf.exists(), result.stderr[-2000:]
    return pdf


def poppler(*tools):
    """Skip the test, naming what is missing, unless poppler's `tools` (pdftotext, pdfinfo, pdftoppm) are on PATH."""
    import pytest

    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (poppler-utils; CI installs it: see .ci/run)")


def pdf_pages(pdf):
    """Each page's text (poppler's pdftotext, layout kept), and each page's size in points; the test skips without
    poppler's tools."""
    poppler("pdftotext", "pdfinfo")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = [
        tuple(round(float(n)) for n in found) for found in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]
    return text.split("\f")[: len(sizes)], sizes
