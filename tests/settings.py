"""Settings for the test suite: the real settings, with a test key and fast hashing.

SQLite by default; set DATABASE_URL (for example postgres://postgres@127.0.0.1:5432/test)
to run the same suite on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-suite-only-key")
os.environ.setdefault("MUSTER_DATA_DIR", tempfile.mkdtemp(prefix="muster-test-"))
# Tests must not depend on a developer's .env file.
os.environ.setdefault("MUSTER_ENV_FILE", os.devnull)

from muster.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# On SQLite the test database is a file, not shared-cache memory: threads writing at once
# (the live server, the concurrent audit-chain test) then wait on SQLite's busy timeout like
# production does, instead of failing with "database table is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["MUSTER_DATA_DIR"], "test.sqlite3")
    }

# Import progress goes to files; each xdist worker has its own test database, so its own
# folder too (batch ids repeat across the workers' databases).
CACHES["progress"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": os.path.join(
        os.environ["MUSTER_DATA_DIR"], "progress-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    ),
}
