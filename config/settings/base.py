"""Settings shared by every environment. Environment-specific modules import * from here."""

from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env, var_path

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The reverse proxies (addresses or networks, e.g. "127.0.0.1,10.0.0.0/24") whose X-Forwarded-For names the client
# the audit log records (core.clients). Empty: the peer address, whatever headers say. Set it to nginx's address.
VANTHU_TRUSTED_PROXIES = env.list("VANTHU_TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    # project apps first so their templates and static files win
    "core",
    "places",
    "cms",
    "templates_docs",
    "signing",
    "workflows.dispatch",
    "workflows.incoming",
    "workflows.pledges",
    "workflows.workspace",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # viewflow (AGPL-3.0, used unmodified)
    "viewflow",
    "viewflow.workflow",
    # background tasks
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles without a stray npm copy
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    # second factor and login throttling (core.second_factor, docs/security.md)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.downloads.DownloadHeadersMiddleware",  # every file served: attachment, nosniff, CSP sandbox
    "cms.middleware.PageCacheMiddleware",  # anonymous public pages, invalidated on publish
    # inside the page cache, so a cached page keeps the policy (and nonce) it was rendered with
    "core.csp.PathScopedCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.IdleTimeoutMiddleware",
    "core.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.WorkflowLoginRedirectMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Content-Security-Policy (django-csp; core.csp) -------------------------------------------
# Scripts only from this origin or carrying the request's nonce; nothing inline, no eval, no plug-ins, no framing.
# Styles allow inline `style` attributes (progress bars, viewflow's and Wagtail's widgets set them); a style
# cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
        "frame-src": ["'self'"],
    },
}
# Path-scoped additions (core.csp.PathScopedCSPMiddleware). Keep each one minimal, with its reason.
VANTHU_CSP_PATH_ALLOWANCES: dict[str, dict] = {
    # Wagtail's admin renders inline <script> blocks per widget (date pickers, inline panels, choosers) whose
    # content varies per field, so no nonce or hash can cover them: inline scripts, in the admin only.
    "/admin/": {"update": {"script-src": ["'unsafe-inline'"]}, "no_nonce": True},
}

# --- database -------------------------------------------------------------------------------
# SQLite is the embedded default; production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{var_path('db.sqlite3')}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------------
# A file cache under var/ by default, so the web server and the task worker of one machine see the same cache
# (a pledge signed in the worker invalidates the cached campaign page). Several app servers share Redis instead:
# `CACHE_URL=redis://host:6379/1`.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{var_path('cache', 'pages')}")}

# --- files ----------------------------------------------------------------------------------
MEDIA_ROOT = env("MEDIA_ROOT", default=str(var_path("media")))
MEDIA_URL = "/media/"
STATIC_ROOT = env("STATIC_ROOT", default=str(var_path("static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

# `STORAGE_BACKEND=s3` stores every document in S3-compatible object storage (django-storages).
STORAGE_BACKEND = env("STORAGE_BACKEND", default="filesystem")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default=None),
            "access_key": env("S3_ACCESS_KEY_ID", default=None),
            "secret_key": env("S3_SECRET_ACCESS_KEY", default=None),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    # written through a temporary file, fsync and an atomic link: never a half-written file under its name
    _default_storage = {"BACKEND": "core.storage.AtomicFileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000

# Uploads: anything larger is refused before it is read into memory.
VANTHU_MAX_UPLOAD_BYTES = env.int("VANTHU_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# A worker renews its lease every quarter of this; a RUNNING task whose worker's lease expired is run again, up to
# this many starts in all, then marked failed for staff (core.workers).
VANTHU_TASK_LEASE_SECONDS = env.float("VANTHU_TASK_LEASE_SECONDS", default=60.0)
VANTHU_TASK_MAX_ATTEMPTS = env.int("VANTHU_TASK_MAX_ATTEMPTS", default=3)

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="vanthu <no-reply@vanthu.local>")

# --- auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
# core.views.home sends each account on from the login: carriers to their pledges, staff to their work
VANTHU_CARRIER_HOME = "pledges:my_pledges"
VANTHU_STAFF_HOME = "workspace:mine"
LOGOUT_REDIRECT_URL = "/"
# django-axes first: a locked-out account or client is refused before its password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failures for one user name, or from one client address,
# that name / that address is locked for AXES_COOLOFF_TIME hours. `manage.py axes_reset_username <name>` unlocks.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# the client as the audit log sees it: behind nginx, the forwarded address (trusted proxies only), not nginx's
AXES_CLIENT_IP_CALLABLE = "core.clients.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
# Sessions: at most 12 hours, and logged out after VANTHU_STAFF_IDLE_SECONDS without a request (core.middleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
VANTHU_STAFF_IDLE_SECONDS = env.int("VANTHU_STAFF_IDLE_SECONDS", default=30 * 60)
# A carrier's access to its pledge, unlocked by the e-mail OTP, ends after this long without a request.
VANTHU_CARRIER_IDLE_SECONDS = env.int("VANTHU_CARRIER_IDLE_SECONDS", default=30 * 60)
VANTHU_CARRIER_SESSION_KEYS: list[str] = []  # each app adds the session keys its OTP unlocks
# Second factor (django-otp TOTP): the name authenticator apps show; a wrong code slows the next try down.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="vanthu")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# A signature, a seal or a number needs a proof of identity (login, password or TOTP code) this recent (core.reauth).
VANTHU_REAUTH_SECONDS = env.int("VANTHU_REAUTH_SECONDS", default=300)

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "vanthu"
WAGTAILADMIN_BASE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "INDEX_PREFIX": "vanthu_"},
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "odt"]
# The admin calls no third party: no Gravatar (it would send a hash of each user's e-mail) and no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# --- viewflow -------------------------------------------------------------------------------
VIEWFLOW = {}

# --- vanthu ---------------------------------------------------------------------------------
# Public base URL used in e-mails, QR codes and verification links.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Demo loaders run in order by `manage.py load_demo`; each app appends its own.
VANTHU_DEMO_LOADERS = [
    "core.demo.load",
    "signing.demo.load",
]

# --- templates_docs -------------------------------------------------------------------------
# unoserver runs with a Python that sees LibreOffice's UNO bridge (`make uno-venv`).
VANTHU_UNOSERVER = env("VANTHU_UNOSERVER", default=str(BASE_DIR / ".venv-uno" / "bin" / "unoserver"))
VANTHU_UNOSERVER_STARTUP_TIMEOUT = env.float("VANTHU_UNOSERVER_STARTUP_TIMEOUT", default=60.0)
VANTHU_CONVERSION_TIMEOUT = env.float("VANTHU_CONVERSION_TIMEOUT", default=60.0)
# One record per running office instance (owner pid, process group, profile): a start cleans up those of a crash.
VANTHU_OFFICE_RUN_DIR = env("VANTHU_OFFICE_RUN_DIR", default=str(var_path("run", "office")))
# "per-type": one register per document type; "shared": one series for all administrative documents.
VANTHU_NUMBERING_SERIES = env("VANTHU_NUMBERING_SERIES", default="per-type")
# The organisation `render_document` prints when its JSON file has no "organisation" key.
VANTHU_DEFAULT_ORGANISATION = {
    "parent_agency": "UBND TỈNH LẠNG SƠN",
    "agency": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "abbreviation": "STTTT",
    "place": "Lạng Sơn",
    "units": [
        {"name": "Thanh tra Sở", "abbreviation": "TTr"},
        {"name": "Văn phòng", "abbreviation": "VP"},
        {"name": "Phòng Bưu chính, Viễn thông", "abbreviation": "BCVT"},
    ],
}
# The organisation as configured in the Wagtail settings, for templates_docs' own pages (template preview, register
# export): a dotted path, so the leaf app imports no other app. Empty: VANTHU_DEFAULT_ORGANISATION.
VANTHU_ORGANISATION_PROVIDER = "core.organisation.organisation_info"
VANTHU_DEMO_LOADERS += ["templates_docs.demo.load"]

# The province this installation serves, by its statistics-office code (20: Lạng Sơn): carriers belong to its
# communes. `manage.py load_admin_units` refreshes the list from the vietnam-provinces package.
VANTHU_PROVINCE_CODE = env("VANTHU_PROVINCE_CODE", default="20")

# --- signing --------------------------------------------------------------------------------
# Trust roots (PEM/DER files), the TSA, and where the development PKI lives (docs/signing.md).
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
# The trust store (signing.trust): the national roots and CA intermediates shipped in signing/trust/vn/, kept in
# the database (`manage.py trust_store`); changes go to the audit log through this function (a dotted path).
SIGNING_AUDIT_HOOK = "core.audit.log_action"
# Fetching what a file lacks (issuer certificates from AIA caIssuers, OCSP/CRL answers): only from these hosts
# ("host" or "host:port"; empty: nothing is fetched), each request within a timeout and a size limit, everything
# kept in a file cache. Anonymous uploads on the public page fetch only with SIGNING_FETCH_FOR_UPLOADS.
SIGNING_FETCH_ALLOWED_HOSTS = env.list("SIGNING_FETCH_ALLOWED_HOSTS", default=[])
SIGNING_FETCH_FOR_UPLOADS = env.bool("SIGNING_FETCH_FOR_UPLOADS", default=False)
SIGNING_FETCH_TIMEOUT = env.float("SIGNING_FETCH_TIMEOUT", default=3.0)
SIGNING_FETCH_MAX_BYTES = env.int("SIGNING_FETCH_MAX_BYTES", default=1024 * 1024)
SIGNING_FETCH_CACHE_DIR = env("SIGNING_FETCH_CACHE_DIR", default=str(var_path("cache", "fetched")))
SIGNING_FETCH_CACHE_SECONDS = env.int("SIGNING_FETCH_CACHE_SECONDS", default=3600)
SIGNING_TSA_URL = env("SIGNING_TSA_URL", default="")  # empty: the development TSA, in-process
SIGNING_TSA_TIMEOUT = env.int("SIGNING_TSA_TIMEOUT", default=10)
SIGNING_ALLOW_FETCHING = env.bool("SIGNING_ALLOW_FETCHING", default=False)  # OCSP/CRL fetching when signing B-LT
SIGNING_DEV_PKI = env.bool("SIGNING_DEV_PKI", default=True)  # production.py forces False
SIGNING_DEV_PKI_DIR = env("SIGNING_DEV_PKI_DIR", default=str(var_path("pki")))
SIGNING_DEV_AGENCY_NAME = env("SIGNING_DEV_AGENCY_NAME", default="SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH LẠNG SƠN")
SIGNING_DEV_AGENCY_TAX_CODE = env("SIGNING_DEV_AGENCY_TAX_CODE", default="4900123456")
# the demo leaders' signing PIN (their dev keys are enrolled under it; the dev PKI is refused in production)
SIGNING_DEV_SIGNING_PIN = env("SIGNING_DEV_SIGNING_PIN", default="ky-so-2026")
# development only: `pki_init` also puts the seal's key in a SoftHSM2 token (record `org-seal-token`, PIN in a
# secret file); SOFTHSM2_CONF must be set before the module is first loaded (config.settings.dev does it)
SIGNING_DEV_SEAL_TOKEN = env.bool("SIGNING_DEV_SEAL_TOKEN", default=False)
SIGNING_STAMP_FONT = env(
    "SIGNING_STAMP_FONT", default="/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
)
SIGNING_CACHE_DIR = env("SIGNING_CACHE_DIR", default=str(var_path("cache", "signing")))
SIGNING_SEAL_DIAMETER_MM = env.float("SIGNING_SEAL_DIAMETER_MM", default=36.0)
SIGNING_VALIDATION_ISOLATED = env.bool("SIGNING_VALIDATION_ISOLATED", default=True)
SIGNING_VALIDATION_TIMEOUT = env.float("SIGNING_VALIDATION_TIMEOUT", default=10.0)
SIGNING_VALIDATION_MEMORY_MB = env.int("SIGNING_VALIDATION_MEMORY_MB", default=1024)
# Remote signing through the CSC API (docs/signing.md): empty SIGNING_CSC_URL = no remote provider.
SIGNING_CSC_URL = env("SIGNING_CSC_URL", default="")
SIGNING_CSC_PROVIDER = env("SIGNING_CSC_PROVIDER", default="csc")  # stored with each enrolled credential
SIGNING_CSC_LABEL = env("SIGNING_CSC_LABEL", default="Ký số từ xa")
SIGNING_CSC_AUTH = env("SIGNING_CSC_AUTH", default="client_credentials")  # none | bearer | client_credentials
SIGNING_CSC_TOKEN = env("SIGNING_CSC_TOKEN", default="")
SIGNING_CSC_TOKEN_URL = env("SIGNING_CSC_TOKEN_URL", default="")  # empty: <SIGNING_CSC_URL>/oauth2/token
SIGNING_CSC_CLIENT_ID = env("SIGNING_CSC_CLIENT_ID", default="")
SIGNING_CSC_CLIENT_SECRET = env("SIGNING_CSC_CLIENT_SECRET", default="")
SIGNING_CSC_CLIENT_SECRET_FILE = env("SIGNING_CSC_CLIENT_SECRET_FILE", default="")
SIGNING_CSC_TIMEOUT = env.float("SIGNING_CSC_TIMEOUT", default=10.0)
SIGNING_CSC_SIGN_TIMEOUT = env.float("SIGNING_CSC_SIGN_TIMEOUT", default=120.0)
SIGNING_CSC_API_VERSION = env("SIGNING_CSC_API_VERSION", default="auto")  # v1 | v2 | auto (v2 if its info answers)

# --- workflows ------------------------------------------------------------------------------
# dispatch: signature levels, the organisation seal key, per-urgency task deadlines (hours), our edXML agency code
VANTHU_DISPATCH_SIGN_LEVEL = env("VANTHU_DISPATCH_SIGN_LEVEL", default="B-T")
VANTHU_DISPATCH_SEAL_LEVEL = env("VANTHU_DISPATCH_SEAL_LEVEL", default="B-LT")
VANTHU_DISPATCH_SEAL_KEY = env("VANTHU_DISPATCH_SEAL_KEY", default="org-seal")
VANTHU_DISPATCH_DEADLINE_HOURS = {"": 72, "khan": 24, "thuong-khan": 8, "hoa-toc": 2}
VANTHU_EDXML_ORGAN_ID = env("VANTHU_EDXML_ORGAN_ID", default="000.00.00.H41")  # unconfirmed: set the real code
# incoming edXML packages: limits on what one package may cost to read, and whether an undetermined signature passes
VANTHU_EDXML_MAX_PACKAGE_BYTES = env.int("VANTHU_EDXML_MAX_PACKAGE_BYTES", default=100 * 1024 * 1024)
VANTHU_EDXML_MAX_DECOMPRESSED_BYTES = env.int("VANTHU_EDXML_MAX_DECOMPRESSED_BYTES", default=200 * 1024 * 1024)
VANTHU_EDXML_MAX_MEMBERS = env.int("VANTHU_EDXML_MAX_MEMBERS", default=50)
VANTHU_EDXML_MAX_SECONDS = env.int("VANTHU_EDXML_MAX_SECONDS", default=60)
VANTHU_EDXML_ACCEPT_INDETERMINATE = env.bool("VANTHU_EDXML_ACCEPT_INDETERMINATE", default=False)
# edXML exchange (workflows.incoming.exchange): "folder" (a folder per agency with inbox/ outbox/ under
# VANTHU_EDXML_FOLDER), "http" (the national platform's REST interface at VANTHU_EDXML_HTTP_URL) or "" (off: status
# packages are recorded but not sent). HTTP credentials: the system id and HMAC secret of our own unit
# (VANTHU_EDXML_ORGAN_ID), and for other units a JSON object {"<OrganId>": {"system_id": "...", "secret": "..."}}.
VANTHU_EDXML_TRANSPORT = env("VANTHU_EDXML_TRANSPORT", default="")
VANTHU_EDXML_FOLDER = env("VANTHU_EDXML_FOLDER", default=str(var_path("edxml")))
VANTHU_EDXML_HTTP_URL = env("VANTHU_EDXML_HTTP_URL", default="")
VANTHU_EDXML_HTTP_SYSTEM_ID = env("VANTHU_EDXML_HTTP_SYSTEM_ID", default="")
VANTHU_EDXML_HTTP_SECRET = env("VANTHU_EDXML_HTTP_SECRET", default="")
VANTHU_EDXML_HTTP_UNITS = env.json("VANTHU_EDXML_HTTP_UNITS", default={})
VANTHU_EDXML_HTTP_TIMEOUT = env.float("VANTHU_EDXML_HTTP_TIMEOUT", default=30.0)
# incoming scans: the lowest resolution accepted, the most pages, Tesseract's limit per page (OCRmyPDF, language vie)
VANTHU_OCR_MIN_DPI = env.int("VANTHU_OCR_MIN_DPI", default=200)
VANTHU_OCR_MAX_PAGES = env.int("VANTHU_OCR_MAX_PAGES", default=100)
VANTHU_OCR_PAGE_TIMEOUT = env.float("VANTHU_OCR_PAGE_TIMEOUT", default=180.0)
# the clerk's "read from the file" on a scan recognises page 1 while the page waits: at most this long
VANTHU_OCR_PREFILL_TIMEOUT = env.float("VANTHU_OCR_PREFILL_TIMEOUT", default=30.0)
# incoming handling: whether the clerk may route a document directly, without the leadership's direction (ND 30
# Art. 24 leaves it to the agency's rules), and the deadline the direction form proposes (days after receipt)
VANTHU_INCOMING_CLERK_DIRECTS = env.bool("VANTHU_INCOMING_CLERK_DIRECTS", default=False)
VANTHU_INCOMING_DEFAULT_DAYS = env.int("VANTHU_INCOMING_DEFAULT_DAYS", default=10)
# pledges: the system key behind the OTP-confirmed stamp, the department's seal, levels, e-mail retries
VANTHU_PLEDGES_SYSTEM_KEY = env("VANTHU_PLEDGES_SYSTEM_KEY", default="org-system")
VANTHU_PLEDGES_SEAL_KEY = env("VANTHU_PLEDGES_SEAL_KEY", default="org-seal")
VANTHU_PLEDGES_SIMPLE_LEVEL = env("VANTHU_PLEDGES_SIMPLE_LEVEL", default="B-B")  # the countersignature adds B-LT
VANTHU_PLEDGES_COUNTERSIGN_LEVEL = env("VANTHU_PLEDGES_COUNTERSIGN_LEVEL", default="B-LT")
VANTHU_PLEDGES_EMAIL_RETRIES = env.int("VANTHU_PLEDGES_EMAIL_RETRIES", default=3)
VANTHU_PLEDGES_EMAIL_RETRY_DELAY = env.float("VANTHU_PLEDGES_EMAIL_RETRY_DELAY", default=2.0)
# The OTP in the e-mail's subject too (phones show it in the notification); off: the code is only in the body.
VANTHU_PLEDGES_OTP_IN_SUBJECT = env.bool("VANTHU_PLEDGES_OTP_IN_SUBJECT", default=False)
VANTHU_CARRIER_SESSION_KEYS += ["pledges_access"]  # workflows.pledges.selectors.SESSION_KEY

# --- audit log ------------------------------------------------------------------------------
# The chain's HMAC key: never in the database (production.py requires it; dev/test derive one). Changing it makes
# every existing entry fail verification: keep it as long as the log (docs/deployment.md, "Audit log").
VANTHU_AUDIT_KEY = env("VANTHU_AUDIT_KEY", default="")
# `manage.py audit_anchor` appends the head here; `verify_audit` checks the log against every line.
VANTHU_AUDIT_ANCHOR_FILE = env("VANTHU_AUDIT_ANCHOR_FILE", default=str(var_path("audit", "anchors.jsonl")))

# --- logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        # pyHanko's diff analysis logs tracebacks for suspicious changes: those become verdicts.
        "pyhanko": {"level": "CRITICAL"},
        "pyhanko_certvalidator": {"level": "CRITICAL"},
        # one line per task at INFO drowns the demo console; failures still show
        "django_tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# --- cms ------------------------------------------------------------------------------------
# Whole-page cache for anonymous readers (cms.middleware); 0 turns it off.
CMS_PAGE_CACHE_SECONDS = env.int("CMS_PAGE_CACHE_SECONDS", default=600)
VANTHU_DEMO_LOADERS += ["cms.demo.load"]
VANTHU_DEMO_LOADERS += ["workflows.pledges.demo.load"]

# --- demo loaders that need every other app's demo data: keep last ----------------------------
# (the dispatch demo sends the Lạng Sơn dispatch to the carrier the pledges demo links to `doanhnghiep`)
VANTHU_DEMO_LOADERS += ["workflows.dispatch.demo.load"]
# (the incoming demo links the dispatch demo's Lạng Sơn công văn to the Chỉ thị it answers)
VANTHU_DEMO_LOADERS += ["workflows.incoming.demo.load"]
