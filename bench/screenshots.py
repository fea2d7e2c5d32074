"""Screenshots of the web form and the portal's queue map for docs/portal.md.

Run from the repository root (no other process needed; nothing leaves 127.0.0.1):

    .venv/bin/python bench/screenshots.py [--out docs/images]

It starts what the browser tests start: the case store (``make_portal_app``
with its staff accounts, on a fresh SQLite file in a temporary folder, served
by ``serve_casestore``) and the local tile server (``serve_tiles``: plain
shaded tiles, so the maps draw without the internet), files a few cases in
Grant Park and Downtown, and with Playwright and Debian's /usr/bin/chromium
saves:

- ``report-form-desktop.png``: /report/pothole in a 1280 px window, with a pin
  placed on the map;
- ``report-form-phone.png``: the same form at 375 px, before any pin;
- ``portal-queue-map.png``: /portal/map signed in as an agent, clustered cases.

Each is the whole page (cut at ``MAX_HEIGHT``), reduced to 256 colours when
that is smaller, so each stays well under 300 KB (the script stops if not). It prints each file
and its size, and stops by itself (the servers end with the script).
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The browser tests' own helpers, importable once the repository is on the path.
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS, serve_casestore  # noqa: E402
from tests.fixtures.portal import PASSWORD, make_portal_app, new_case  # noqa: E402
from tests.fixtures.tiles import serve_tiles  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
AGENT = "agent@atl311.example.org"  # sees every department's cases
# (lat, long, address, service, description): a few open cases to draw on the queue map.
CASES = (
    (33.74012, -84.37988, "412 Boulevard SE", "pothole", "Deep hole in the right lane"),
    (33.74060, -84.37950, "430 Boulevard SE", "pothole", "Two potholes by the bus stop"),
    (33.74110, -84.38020, "450 Boulevard SE", "pothole", "Hole opening up again"),
    (33.75410, -84.39020, "55 Trinity Ave SW", "pothole", "Pothole at the crosswalk"),
    (33.75470, -84.38830, "10 Peachtree St SW", "pothole", "Cracked pavement, deep hole"),
    (33.76080, -84.38630, "200 Peachtree St NE", "pothole", "Hole in the turn lane"),
)
MAX_BYTES = 300_000
MAX_HEIGHT = 3_000  # px: a longer page is cut (none of these is, today)


def save_png(data: bytes, path: Path) -> int:
    """Write the screenshot ``data`` as a PNG, palette-reduced when that keeps it legible and
    is smaller; return the file's size."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    plain, reduced = io.BytesIO(), io.BytesIO()
    image.save(plain, "PNG", optimize=True)
    # 256 colours are plenty for flat pages and shaded tiles; text stays sharp.
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(reduced, "PNG",
                                                                     optimize=True)
    best = min(plain, reduced, key=lambda b: b.tell())
    path.write_bytes(best.getvalue())
    return path.stat().st_size


def seed(app) -> None:
    """File the cases the queue map shows."""
    for lat, long, address, service, description in CASES:
        attributes = {"size": "large", "in_travel_lane": "yes"} if service == "pothole" else {}
        new_case(app, service, lat=lat, long=long, address=address, description=description,
                 attributes=attributes)


def shoot(browser, base: str, out: Path) -> list[Path]:
    """Take the three screenshots; return the files written."""
    written = []

    form = browser.new_context(viewport=DESKTOP).new_page()
    form.goto(f"{base}/report/pothole")
    form.wait_for_selector("#report-pin img.leaflet-tile-loaded")
    form.locator("#report-pin").click()  # a pin in the middle, as a resident would place it
    form.wait_for_selector("#report-pin .leaflet-marker-icon")
    form.evaluate("document.activeElement.blur()")  # no focus ring from the click in the shot
    written.append(_save(form, out / "report-form-desktop.png"))

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                device_scale_factor=1).new_page()
    phone.goto(f"{base}/report/pothole")
    phone.wait_for_selector("#report-pin img.leaflet-tile-loaded")
    written.append(_save(phone, out / "report-form-phone.png"))

    staff = browser.new_context(viewport=DESKTOP).new_page()
    staff.goto(f"{base}/portal/login")
    staff.get_by_label("Email").fill(AGENT)
    staff.get_by_label("Password").fill(PASSWORD)
    with staff.expect_navigation():
        staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{base}/portal/map")
    staff.wait_for_selector("#queue-map img.leaflet-tile-loaded")
    staff.wait_for_selector("#queue-map .marker-cluster, #queue-map .leaflet-marker-icon")
    written.append(_save(staff, out / "portal-queue-map.png"))
    return written


def _save(page, path: Path) -> Path:
    """Screenshot the whole of ``page`` (at most ``MAX_HEIGHT`` from the top) into ``path``."""
    height = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"],
            "height": min(height, MAX_HEIGHT)}
    size = save_png(page.screenshot(full_page=True, clip=clip), path)
    if size > MAX_BYTES:
        raise SystemExit(f"{path}: {size} bytes, over {MAX_BYTES}")
    return path


def main() -> int:
    """Start the case store and the tiles, take the screenshots, print what was written."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images",
                        help="folder for the PNGs (default: docs/images)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp, serve_tiles() as tiles:
        url = f"sqlite:///{tmp}/casestore.sqlite3"
        app = make_portal_app(url, tmp, MAP_TILE_URL=tiles.template,
                              MAP_ATTRIBUTION="Map tiles: local test tiles")
        seed(app)
        with serve_casestore(app) as live, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                written = shoot(browser, live.url, args.out)
            finally:
                browser.close()
    for path in written:
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
              f"{path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
