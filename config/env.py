"""The one place settings read the environment from.

Values come from the process environment, then from an optional `.env` file in the project root.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = BASE_DIR / ".env"
if _env_file.exists():
    environ.Env.read_env(str(_env_file), overwrite=False)


def var_path(*parts: str) -> Path:
    """Where local state (SQLite, media, generated keys) lives; `VANTHU_VAR_DIR` moves it."""
    root = Path(env("VANTHU_VAR_DIR", default=str(BASE_DIR / "var")))
    return root.joinpath(*parts)
