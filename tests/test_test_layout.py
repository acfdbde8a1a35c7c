"""pytest's default (rootdir-relative "prepend") import mode imports each test file under its
basename, so two test files with the same name in different folders break collection on some
machines and not others (it depends on the collection order and on stale __pycache__). This
keeps the failure local and explicit."""

import re
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_test_file_basenames_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    duplicated = sorted(name for name, count in names.items() if count > 1)
    assert duplicated == [], f"test files sharing a basename: {duplicated}"


def test_no_test_imports_a_conftest():
    """`from conftest import ...` resolves to whichever conftest.py was imported first, so it
    breaks as soon as two folders have one; shared helpers live in a uniquely named module."""
    statement = re.compile(r"^\s*(from conftest import|import conftest\b)", re.MULTILINE)
    offenders = sorted(str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                       if statement.search(p.read_text(encoding="utf-8")))
    assert offenders == [], f"test modules importing conftest: {offenders}"
