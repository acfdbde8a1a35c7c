"""Fixtures for the raw ingestion tests: the study, and runners that ingest a (broken) export
and return what a user would see."""

from __future__ import annotations

import pytest

from analysis.cli import main
from analysis.errors import DataError
from analysis.raw.ingest import ingest
from analysis.specs import load_study
from raw_export import STUDY_SPEC, issue_lines, write_export


@pytest.fixture(scope="session")
def study():
    return load_study(STUDY_SPEC)


@pytest.fixture
def hard_lines(tmp_path, study, capsys):
    """Ingest `records` (after `edit_files(raw_dir)`), expect a DataError, check nothing was
    written and that the CLI says the same with exit 1 and no traceback; return the lines."""
    def run(records=None, edit_files=None) -> list[str]:
        raw = write_export(tmp_path / "raw", study, records)
        if edit_files:
            edit_files(raw)
        out = tmp_path / "out"
        with pytest.raises(DataError) as caught:
            ingest(raw, study, out)
        assert not out.exists()
        lines = [p.line() for p in caught.value.problems]
        capsys.readouterr()
        code = main(["ingest", "--raw", str(raw), "--study", str(STUDY_SPEC), "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 1
        assert "Traceback" not in err
        assert all(f"ERROR {line}" in err for line in lines)
        assert not out.exists()
        assert not list(tmp_path.glob(".out-*")), "temporary output folder left behind"
        return lines
    return run


@pytest.fixture
def soft_lines(tmp_path, study, capsys):
    """Ingest `records`, expect success, return the data issues as message lines."""
    def run(records=None, cutoff=None) -> list[str]:
        raw = write_export(tmp_path / "raw", study, records)
        out = tmp_path / "out"
        ingest(raw, study, out, cutoff=cutoff)
        capsys.readouterr()
        return issue_lines(out)
    return run
