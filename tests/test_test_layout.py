"""pytest's default (rootdir-relative "prepend") import mode imports each test file under its
basename, so two test files with the same name in different folders break collection on some
machines and not others (it depends on the collection order and on stale __pycache__). This
keeps the failure local and explicit."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_test_file_basenames_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    duplicated = sorted(name for name, count in names.items() if count > 1)
    assert duplicated == [], f"test files sharing a basename: {duplicated}"
