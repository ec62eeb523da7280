"""The `muster` command and settings read from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_muster(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    base["MUSTER_ENV_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "muster", *args],
        env=base | (env or {}),
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_projects_own_subcommands():
    result = run_muster("--help")
    assert result.returncode == 0
    for name in ("demo", "serve", "manage"):
        assert name in result.stdout


def test_manage_passes_the_rest_to_django(tmp_path):
    result = run_muster(
        "manage", "check", env={"SECRET_KEY": "k", "MUSTER_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_without_a_secret_key_unless_debugging(tmp_path):
    result = run_muster("manage", "check", env={"MUSTER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_muster("manage", "check", env={"DEBUG": "true", "MUSTER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


def run_python(code: str, tmp_path: Path, **env: str | None) -> list[str]:
    """Run `code` after Django starts with the real settings; return the words it printed.

    A variable given as None is removed from the environment.
    """
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "DATABASE_URL", "TIME_ZONE"}
    }
    base |= {
        "MUSTER_ENV_FILE": os.devnull,
        "MUSTER_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "muster.settings",
        "SECRET_KEY": "k",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        env={k: v for k, v in (base | env).items() if v is not None},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_dotenv_file_is_read_but_the_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=from-dotenv\nTIME_ZONE=America/Denver\n")
    printed = run_python(
        "from django.conf import settings; print(settings.SECRET_KEY, settings.TIME_ZONE)",
        tmp_path,
        MUSTER_ENV_FILE=str(dotenv),
        SECRET_KEY=None,
        TIME_ZONE="America/Chicago",
    )
    assert printed == ["from-dotenv", "America/Chicago"]


def test_the_default_database_is_sqlite_under_var_in_wal_mode(tmp_path):
    printed = run_python(
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('PRAGMA journal_mode')\n"
        "print(connection.vendor, cursor.fetchone()[0], connection.settings_dict['NAME'])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])",
        tmp_path,
    )
    assert printed == ["sqlite", "wal", str(tmp_path / "muster.sqlite3"), "IMMEDIATE"]


def test_database_url_selects_postgresql(tmp_path):
    printed = run_python(
        "from django.conf import settings; d = settings.DATABASES['default']\n"
        "print(d['ENGINE'], d['NAME'], d['HOST'])",
        tmp_path,
        DATABASE_URL="postgres://muster@db.example:5432/muster",
    )
    assert printed == ["django.db.backends.postgresql", "muster", "db.example"]


def test_https_mode_turns_on_secure_cookies_and_hsts(tmp_path):
    printed = run_python(
        "from django.conf import settings\n"
        "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
        " settings.SECURE_HSTS_SECONDS)",
        tmp_path,
        MUSTER_HTTPS="true",
    )
    assert printed == ["True", "True", "31536000"]


def test_serve_refuses_an_unmigrated_database(tmp_path):
    result = run_muster("serve", env={"SECRET_KEY": "k", "MUSTER_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "muster manage migrate" in result.stderr
