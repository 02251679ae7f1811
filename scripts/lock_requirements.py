"""Regenerate requirements.txt / requirements-dev.txt (full pins) from requirements/*.in with pip's resolver."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = {
    "pyhanko": "pyHanko[opentype,image-support,qr,pkcs11]",
    "psycopg": "psycopg[binary]",
    "django-storages": "django-storages[s3]",
    "certomancer": "certomancer[web-api]",
}
HEADER = "# Generated from requirements/{}.in by scripts/lock_requirements.py (make lock). Do not edit by hand.\n"


def resolve(infile: Path) -> list[tuple[str, str]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--dry-run",
                "--ignore-installed",
                "--report",
                report.name,
                "-r",
                str(infile),
            ],
            check=True,
        )
        data = json.loads(Path(report.name).read_text())
    return sorted((i["metadata"]["name"], i["metadata"]["version"]) for i in data["install"])


def line(name: str, version: str) -> str:
    return f"{EXTRAS.get(name.lower(), name)}=={version}\n"


def main() -> None:
    base = resolve(ROOT / "requirements/base.in")
    dev = resolve(ROOT / "requirements/dev.in")
    (ROOT / "requirements.txt").write_text(HEADER.format("base") + "".join(line(*p) for p in base))
    extra = [p for p in dev if p not in set(base)]
    (ROOT / "requirements-dev.txt").write_text(
        HEADER.format("dev") + "-r requirements.txt\n" + "".join(line(*p) for p in extra)
    )


if __name__ == "__main__":
    main()
