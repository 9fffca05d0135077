"""The HTML report in a real headless browser (issue 5): Debian's `chromium`
renders the page to PNG; the picture must not be blank and the charts must
be there (their colours are counted with a tiny PNG decoder, no Pillow).
It also prints the page to PDF and checks the pages are A4.

Look at the result yourself:

    tix report month 2026-10 -o /tmp/report.html
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \\
      --disable-background-networking --disable-component-update --disable-sync \\
      --user-data-dir=/tmp/tix-chromium --screenshot=/tmp/report.png \\
      --window-size=1240,1754 file:///tmp/report.html

Skipped, with the reason, when chromium is not installed (`.ci/run`
installs it: apt-get install -y chromium)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from .conftest import Desk
from .test_report_golden import NOW, build_golden_desk

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium); the HTML report is not "
    "checked in a browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# the series colours of tix.render.report
COLOURS = {"opened": (0x2B, 0x6C, 0xB0), "resolved": (0x2F, 0x85, 0x5A), "resolve met": (0xC0, 0x56, 0x21),
           "hours": (0x6B, 0x46, 0xC1)}


def decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows) of an 8-bit RGB(A), non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    w = h = depth = ctype = interlace = -1
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat.append(body)
        elif typ == b"IEND":
            break
    assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:  # Up
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + (left + prev[i]) // 2) & 255
        elif f == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def pixel_stats(png: bytes) -> tuple[int, int, int, dict[str, int]]:
    """(width, height, non-white pixels, pixels per series colour)."""
    w, h, bpp, rows = decode_png(png)
    nonwhite = 0
    found = dict.fromkeys(COLOURS, 0)
    targets = list(COLOURS.items())
    for row in rows:
        for x in range(0, w * bpp, bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r < 245 or g < 245 or b < 245:
                nonwhite += 1
                for name, (cr, cg, cb) in targets:
                    if abs(r - cr) <= 6 and abs(g - cg) <= 6 and abs(b - cb) <= 6:
                        found[name] += 1
    return w, h, nonwhite, found


def chromium(*args: str, profile: Path) -> None:
    assert CHROMIUM is not None
    p = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                       timeout=180)
    assert p.returncode == 0, p.stderr[-2000:]


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html")
    desk: Desk = build_golden_desk(root / "desk")
    path = root / "report-2026-10.html"
    r = desk.run("report", "month", "2026-10", "-o", str(path), now=NOW)
    assert r.code == 0, r.err
    return path


def test_html_is_self_contained(html_report: Path) -> None:
    text = html_report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    for cid in ("chart-trend", "chart-sla", "chart-team", "chart-org"):
        assert f'<svg id="{cid}" class="chart"' in text
    assert text.count("<svg ") == 4
    # no external assets: no scripts, links, images, imports or fetched URLs
    # (the only URL is the SVG namespace name, which is never fetched)
    for bad in ("<script", "<link", "<img", "<iframe", "@import", "url(", " src=", " href="):
        assert bad not in text, bad
    assert set(re.findall(r"https?://[^\s\"')]+", text)) == {"http://www.w3.org/2000/svg"}
    assert "@page { size: A4" in text


@needs_chromium
def test_screenshot_is_not_blank_and_shows_the_charts(html_report: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    chromium(f"--screenshot={png}", "--window-size=1240,1754", html_report.as_uri(), profile=tmp_path / "profile")
    w, h, nonwhite, found = pixel_stats(png.read_bytes())
    assert (w, h) == (1240, 1754)
    assert nonwhite > 0.03 * w * h, f"only {nonwhite} non-white pixels: the page looks blank"
    for name, count in found.items():
        assert count > 150, f"the {name} series colour is (almost) missing from the picture: {found}"


@needs_chromium
def test_prints_on_a4(html_report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", html_report.as_uri(), profile=tmp_path / "profile")
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert boxes, "no pages in the PDF"
    for bw, bh in boxes:  # A4 is 595 x 842 points
        assert abs(float(bw) - 595.3) < 2 and abs(float(bh) - 841.9) < 2, (bw, bh)
