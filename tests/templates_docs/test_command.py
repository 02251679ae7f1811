"""python manage.py render_document TYPE DATA.json --docx OUT --pdf OUT"""

import json

import pytest
from django.core.management import call_command

from templates_docs.services import SAMPLES_DIR

from .conftest import pdftotext

pytestmark = pytest.mark.django_db


def run(*args):
    with pytest.raises(SystemExit) as exc:
        call_command("render_document", *args)
    return exc.value.code


def test_renders_the_cong_van_sample(tmp_path, capsys):
    call_command(
        "render_document",
        "cong-van",
        str(SAMPLES_DIR / "cong-van.json"),
        "--docx",
        str(tmp_path / "a.docx"),
        "--pdf",
        str(tmp_path / "a.pdf"),
    )
    assert (tmp_path / "a.docx").read_bytes().startswith(b"PK")
    text = pdftotext((tmp_path / "a.pdf").read_bytes())
    assert "Số: 05/STTTT-TTr" in text and "UBND TỈNH LẠNG SƠN" in text
    assert "cong-van:builtin-1" in capsys.readouterr().out


def test_docx_only_and_draft(tmp_path):
    call_command(
        "render_document", "chi-thi", str(SAMPLES_DIR / "chi-thi.json"), "--docx", str(tmp_path / "d.docx"), "--draft"
    )
    assert (tmp_path / "d.docx").exists() and not (tmp_path / "d.pdf").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        (json.dumps({"subject": "x", "body": "y"}), "field signer"),
        (json.dumps({"subject": "", "body": "y"}), "field subject is required"),
        (
            json.dumps({"subject": "x", "body": "y", "signer": {"name": "A", "title": "B"}, "number": "năm"}),
            "field number",
        ),
    ],
)
def test_bad_data_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    data = tmp_path / "data.json"
    data.write_text(content, encoding="utf-8")
    assert run("cong-van", str(data), "--pdf", str(tmp_path / "x.pdf")) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_type_missing_file_and_no_output(tmp_path, capsys):
    assert run("nghi-quyet", str(SAMPLES_DIR / "cong-van.json"), "--pdf", str(tmp_path / "x.pdf")) == 2
    assert run("cong-van", str(tmp_path / "missing.json"), "--pdf", str(tmp_path / "x.pdf")) == 2
    assert run("cong-van", str(SAMPLES_DIR / "cong-van.json")) == 2
    assert "Traceback" not in capsys.readouterr().err
