"""The stylesheet next to define.xml renders it (lxml XSLT), and `analysis define` as a command:
files written, messages, exit codes."""

from __future__ import annotations

import re

from analysis.define.cli import run
from analysis.define.stylesheet import STYLESHEET_NAME, render_html
from analysis.sdtm.metadata import load_sdtm_specs
from define_paths import CT, SPECS, STUDY


def test_stylesheet_is_copied_next_to_define_and_renders_every_dataset_and_variable(define):
    result, _ = define
    assert result.stylesheet == result.path.parent / STYLESHEET_NAME
    assert result.stylesheet.read_bytes().startswith(b"<?xml")
    html = render_html(result.path).decode("utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for name, spec in load_sdtm_specs(SPECS).items():
        assert f"{spec.label} ({name})" in text, name  # the dataset's heading
        for v in spec.variables:
            assert f'id="IG.{name}.IT.{name}.{v.name}"' in html, (name, v.name)
    for section in ("Datasets", "CodeLists", "External Dictionaries", "Methods"):
        assert f">{section}<" in html.replace("\n", ""), section
    # value-level metadata: the where clause rendered with the test code's decode, per test
    assert 'LBTESTCD = "ALT" (Alanine Aminotransferase)' in text
    assert 'QSTESTCD = "EQ5D0206" (EQ5D02-EQ VAS Score)' in text


def test_cli_writes_define_stylesheet_and_html_and_validates(sdtm_dir, tmp_path, capsys):
    out = tmp_path / "m5" / "define.xml"
    code = run(["--sdtm", str(sdtm_dir), "--specs", str(SPECS), "--study", str(STUDY), "--ct", str(CT),
                "--out", str(out), "--date", "2024-06-30", "--html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    assert "26 datasets" in captured.out and "is valid against" in captured.out
    assert out.exists() and (out.parent / STYLESHEET_NAME).exists() and out.with_suffix(".html").exists()
    assert b'CreationDateTime="2024-06-30T00:00:00"' in out.read_bytes()


def test_cli_without_stylesheet_writes_no_reference_to_it(sdtm_dir, tmp_path, capsys):
    out = tmp_path / "define.xml"
    assert run(["--sdtm", str(sdtm_dir), "--specs", str(SPECS), "--study", str(STUDY), "--ct", str(CT),
                "--out", str(out), "--no-stylesheet", "--no-validate"]) == 0
    assert b"xml-stylesheet" not in out.read_bytes()
    assert not (tmp_path / STYLESHEET_NAME).exists()


def test_cli_user_errors_are_one_line_and_write_nothing(sdtm_dir, tmp_path, capsys):
    out = tmp_path / "define.xml"
    cases = [
        (["--sdtm", str(tmp_path / "nope")], "SDTM folder not found"),
        (["--sdtm", str(sdtm_dir), "--date", "2024-02-30"], "is not a date YYYY-MM-DD"),
        (["--sdtm", str(sdtm_dir), "--ct", str(tmp_path)], "codelists.csv: spec file not found"),
    ]
    for args, message in cases:
        code = run([*args, "--specs", str(SPECS), "--study", str(STUDY), "--out", str(out)]
                   + ([] if "--ct" in args else ["--ct", str(CT)]))
        err = capsys.readouterr().err
        assert code == 2, args
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert not out.exists()


def test_cli_exits_1_when_what_it_wrote_breaks_the_schema(sdtm_dir, tmp_path, capsys, monkeypatch):
    import analysis.define.validate as validate

    monkeypatch.setattr(validate, "validate_define", lambda path: ["line 3: something is wrong"])
    out = tmp_path / "define.xml"
    code = run(["--sdtm", str(sdtm_dir), "--specs", str(SPECS), "--study", str(STUDY), "--ct", str(CT),
                "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and out.exists()
    assert f"ERROR {out}: line 3: something is wrong" in err and "is not valid against" in err


def test_without_the_stylesheet_package_nothing_is_written(sdtm_dir, tmp_path, capsys, monkeypatch):
    import analysis.define.stylesheet as stylesheet

    monkeypatch.setattr(stylesheet, "STYLESHEET_PACKAGE", "defineutils_is_not_installed")
    out = tmp_path / "define.xml"
    code = run(["--sdtm", str(sdtm_dir), "--specs", str(SPECS), "--study", str(STUDY), "--ct", str(CT),
                "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'defineutils" in err and not out.exists()
