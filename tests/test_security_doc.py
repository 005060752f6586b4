"""docs/security.md names the test that proves each protection: every test file and test it names
exists, and the README links the page."""

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_every_test_named_in_the_security_page_exists():
    page = (BASE_DIR / "docs" / "security.md").read_text()
    references = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", page)
    assert len(references) > 20
    for path, name in references:
        source = BASE_DIR / path
        assert source.is_file(), path
        if name:
            assert re.search(rf"def {name}\(", source.read_text()), f"{path}::{name}"
    for prefix in re.findall(r"`…(\w+)`", page):  # "…::the_rest_of_a_name" of the file named before it
        assert any(prefix in p.read_text() for p in (BASE_DIR / "tests").rglob("test_*.py")), prefix


def test_the_readme_links_the_security_page():
    assert "`docs/security.md`" in (BASE_DIR / "README.md").read_text()
