"""Look at a page the way a person does, and fail on what they would trip over.

Every staff and portal page goes through ``audit(page, name)`` at phone, tablet and desktop
widths (``WIDTHS``):

- the layout is there exactly once: one side menu and one top bar on staff pages (none on the
  portal and the login page: ``staff=False``) and one ``<main>``;
- nothing scrolls sideways: the document is no wider than the window;
- no two elements share an ``id`` (labels would point at the wrong field);
- axe-core (shipped by axe-playwright-python) finds no serious or critical violation;
- a full-page screenshot lands in ``tests/artifacts/<name>-<width>.png`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"

PHONE, TABLET, DESKTOP, WIDE = 390, 768, 1440, 1920
WIDTHS = (PHONE, TABLET, DESKTOP, WIDE)
HEIGHTS = {PHONE: 844, TABLET: 1024, DESKTOP: 900, WIDE: 1080}

_axe = Axe()


def layout_counts(page) -> dict[str, int]:
    return page.evaluate(
        """() => ({
            sidebars: document.querySelectorAll('nav.sidebar').length,
            mains: document.querySelectorAll('main').length,
            topbars: document.querySelectorAll('header.topbar').length,
        })"""
    )


def horizontal_overflow(page) -> dict:
    """How much wider than the window the document is, and the widest elements that stick out."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            const width = root.clientWidth;
            const culprits = [];
            for (const el of document.body.querySelectorAll('*')) {
                const box = el.getBoundingClientRect();
                if (box.width && box.right > width + 1) {
                    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
                    culprits.push(name + ' (' + Math.round(box.right) + 'px)');
                }
            }
            return {scroll: root.scrollWidth, client: width, culprits: culprits.slice(0, 8)};
        }"""
    )


def duplicate_ids(page) -> list[str]:
    return page.evaluate(
        """() => {
            const seen = new Map();
            for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
            return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
        }"""
    )


def serious_violations(page) -> list[str]:
    results = _axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit(page, name: str, *, staff: bool = True) -> Path:
    """Check the page as it is now at the current viewport; returns the screenshot's path."""
    page.wait_for_load_state("load")
    counts = layout_counts(page)
    assert counts["mains"] == 1, f"{name}: {counts['mains']} <main> elements"
    if staff:
        assert counts["sidebars"] == 1, f"{name}: {counts['sidebars']} side menus"
        assert counts["topbars"] == 1, f"{name}: {counts['topbars']} top bars"
    else:  # the portal and the login page: no staff layout at all
        assert counts["sidebars"] == 0, f"{name}: a staff side menu on a page without one"
        assert counts["topbars"] == 0, f"{name}: a staff top bar on a page without one"
    overflow = horizontal_overflow(page)
    assert overflow["scroll"] <= overflow["client"], (
        f"{name}: the page is {overflow['scroll']} px wide in a {overflow['client']} px window; "
        f"sticking out: {overflow['culprits']}"
    )
    assert duplicate_ids(page) == [], f"{name}: duplicate ids {duplicate_ids(page)}"
    assert serious_violations(page) == [], f"{name}: accessibility {serious_violations(page)}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = ARTIFACTS / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def audit_widths(page, url: str, name: str, *, staff: bool = True, widths=WIDTHS) -> None:
    """Open `url` at every width and audit it."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHTS.get(width, 900)})
        page.goto(url)
        audit(page, name, staff=staff)
