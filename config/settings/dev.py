"""Local development and `make demo`: SQLite, console e-mail, generated secret key."""

import os
import secrets

from config.env import env, var_path

from .base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)

# The demo's organisation seal is a key in a SoftHSM2 token (signing.devhsm), sealed after the clerk's
# re-authentication; SoftHSM reads this variable once, when a process first loads it.
os.environ.setdefault("SOFTHSM2_CONF", str(var_path("softhsm", "softhsm2.conf")))
SIGNING_DEV_SEAL_TOKEN = env.bool("SIGNING_DEV_SEAL_TOKEN", default=True)
VANTHU_DISPATCH_SEAL_KEY = env("VANTHU_DISPATCH_SEAL_KEY", default="org-seal-token")


def _local_secret_key() -> str:
    path = var_path("secret_key.txt")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
