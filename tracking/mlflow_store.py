"""MLflow as the lab notebook: one run per backtest, params, metrics, tags and the run folder.

This is the only module of the project that imports mlflow. The default store is a SQLite file at
the repository root (``mlflow.db``), which a plain ``mlflow ui`` started there opens; artifacts go
to ``mlartifacts/`` beside it. ``MLFLOW_TRACKING_URI`` or ``tracking.uri`` points elsewhere
(``tracking=server`` for a shared ``mlflow server``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import math
import os
import random
import re
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import yaml
from filelock import FileLock

from common.errors import ConfigError
from tracking.headline import headline_table

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_PARAM_LEN = 6000
MAX_RUN_NAME_LEN = 250  # MLflow's runs.name is VARCHAR(250)
REDACTED = "<redacted>"
NOTE = "mlflow.note.content"  # the tag MLflow's UI shows as a run's description (Markdown)
VERDICT_TAG = "verdict"  # a run's verdict sentence (analysis.verdict.sentence): its description's first line
SECRET_KEY = re.compile(
    r"(token|secret|passw(or)?d|pwd|credential|auth|(^|[_\-.])key$|api_?key|private_?key)", re.I
)
DB_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
URI_SCHEMES = ("http", "https", "file", "databricks", *DB_SCHEMES)
# A dead server should fail in seconds, not after MLflow's default 7 retries and 120 s timeouts.
HTTP_ENV_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    # MLflow's own "View run ... at: http://user:PASSWORD@host/..." line: we print the run's place redacted
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
CODE_TAGS = ("git_", "version.", "python_version")  # set by `Tracker.describe`, inherited by children
# what a database says when it refuses a login or a database (PostgreSQL, MySQL, SQL Server)
DB_REFUSALS = ("password authentication failed", "access denied for user", "login failed", "does not exist")
DB_CONNECT_ARGS = {"postgresql": {"connect_timeout": 10}, "mysql": {"connect_timeout": 10}}
RETRYABLE = ("database is locked", "database table is locked", "unique constraint failed", "already exists")
# in free text: a URI's password (``scheme://user:PASSWORD@host``) and ``key: value`` / ``key=value`` pairs
URI_PASSWORD = re.compile(r"(?P<pre>\b[A-Za-z][\w+.\-]*://[^/\s:@]*:)(?P<pw>[^@\s/]+)@")
ASSIGNMENT = re.compile(
    r"(?P<key>[A-Za-z_][\w.\-]*)(?P<sep>[\"']?\s*[:=]\s*)(?P<val>\"[^\"]*\"|'[^']*'|[^\s,;{}\[\]()\"']+)"
)
T = TypeVar("T")


def resolve_uri(uri: str | None) -> str:
    """The tracking URI: `uri` from config, else ``MLFLOW_TRACKING_URI``, else the repo's SQLite file.

    Raises:
        ConfigError: The URI is malformed (no scheme, an unknown scheme, a server URI without a host).
    """
    key = uri_key(uri)
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{REPO_ROOT / 'mlflow.db'}"
    problem = uri_problem(str(uri))
    if problem:
        raise ConfigError(
            f"`{redact_text(str(uri))}` is not a tracking URI: {problem}.",
            key=key,
            hint="use sqlite:///path/to/mlflow.db, file:///path/to/mlruns, http://host:port "
            "or postgresql://user@host/db.",
        )
    return str(uri)


def uri_key(uri: str | None) -> str:
    """Where the tracking URI comes from, for messages: ``tracking.uri`` or the environment variable."""
    from_env = not uri and bool(os.environ.get("MLFLOW_TRACKING_URI"))
    return "MLFLOW_TRACKING_URI (environment)" if from_env else "tracking.uri"


def uri_problem(uri: str) -> str | None:
    """What is wrong with a tracking URI, or None when it looks usable.

    >>> uri_problem("http//127.0.0.1:5000")
    'it has no scheme (`scheme://...`)'
    >>> uri_problem("htp://127.0.0.1:5000")
    'unknown scheme `htp`'
    >>> uri_problem("http://:5000")
    'the server address has no host'
    >>> uri_problem("sqlite:///mlflow.db") is None
    True
    """
    if "://" not in uri:
        return "it has no scheme (`scheme://...`)"
    parts = urlsplit(uri)
    scheme = parts.scheme.split("+", 1)[0].lower()
    if scheme not in URI_SCHEMES:
        return f"unknown scheme `{parts.scheme}`"
    if scheme in ("http", "https"):
        if not parts.hostname:
            return "the server address has no host"
        try:
            parts.port  # noqa: B018 (raises on a non-numeric port)
        except ValueError:
            return f"the port in `{parts.netloc}` is not a number"
    if scheme in ("sqlite", "file") and not (parts.path or parts.netloc):
        return "it names no file"
    return None


def is_secret(key: str) -> bool:
    """Whether a config key looks like it holds a secret (token, password, key, ...).

    >>> [is_secret(k) for k in ("data.loader.api_key", "tracking.token", "db.password", "sort_key")]
    [True, True, True, True]
    >>> [is_secret(k) for k in ("strategy.signal.lookback", "data.calendar_column", "monkey")]
    [False, False, False]
    """
    last = key.rsplit(".", 1)[-1]
    return bool(SECRET_KEY.search(last))


def _hide_assignment(m: re.Match[str]) -> str:
    return f"{m['key']}{m['sep']}{REDACTED}" if is_secret(m["key"]) else m[0]


def redact_text(text: str) -> str:
    """Free text with secrets hidden: URI passwords and the values of secret-looking ``key: value`` pairs.

    Covers a secret nested in a harmless-looking value (an override such as
    ``data.loader.files=[{path: a.csv, password: x}]``), a line of code or YAML, and a URI's user-info.

    >>> redact_text("files=[{path: a.csv, password: hunter2}]")
    'files=[{path: a.csv, password: <redacted>}]'
    >>> redact_text("tracking.uri=http://me:pa55@host:5000/x"), redact_text('API_KEY = "ab c"')
    ('tracking.uri=http://me:<redacted>@host:5000/x', 'API_KEY = <redacted>')
    """
    return ASSIGNMENT.sub(_hide_assignment, URI_PASSWORD.sub(rf"\g<pre>{REDACTED}@", text))


def redact(tree: Any) -> Any:
    """A copy of a nested config with secrets hidden.

    Every secret-looking key's value, and in every string a URI's password and secret-looking
    ``key: value`` pairs (`redact_text`).

    >>> redact({"a": {"token": "s3cr3t", "n": 1}, "l": [{"password": "x"}], "u": "http://a:b@h"})
    {'a': {'token': '<redacted>', 'n': 1}, 'l': [{'password': '<redacted>'}], 'u': 'http://a:<redacted>@h'}
    """
    if isinstance(tree, Mapping):
        return {k: REDACTED if is_secret(str(k)) else redact(v) for k, v in tree.items()}
    if isinstance(tree, list | tuple):
        return [redact(v) for v in tree]
    return redact_text(tree) if isinstance(tree, str) else tree


def redact_override(arg: str) -> str:
    """A command-line override with its value hidden when its key looks secret.

    Any secret inside a harmless key's value is hidden too (`redact_text`).

    >>> redact_override("data.loader.api_key=abc"), redact_override("strategy=sixty_forty")
    ('data.loader.api_key=<redacted>', 'strategy=sixty_forty')
    """
    key, sep, _ = arg.partition("=")
    return f"{key}={REDACTED}" if sep and is_secret(key.lstrip("+~")) else redact_text(arg)


class _Redacting(logging.Filter):
    """A log filter that hides secrets in each record's message (`redact_text`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact_text(record.getMessage())
        record.msg, record.args = message, ()
        return True


def redact_logs(names: Iterable[str]) -> None:
    """Hide secrets in what the named loggers print (Hydra's launchers echo every job's overrides)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Redacting) for f in logger.filters):
            logger.addFilter(_Redacting())


def redact_diff(diff: str) -> tuple[str, int]:
    """A ``git diff`` with secrets hidden line by line (`redact_text`), and how many lines changed."""
    lines = diff.splitlines(keepends=True)
    hidden = [redact_text(line) for line in lines]
    return "".join(hidden), sum(a != b for a, b in zip(lines, hidden, strict=True))


def command_line(argv: list[str] | None = None) -> str:
    """The command that started this process (``python run.py ...``), secret-looking values hidden."""
    return " ".join(["python", *map(redact_override, sys.argv if argv is None else argv)])


def redacted_config(cfg: Any) -> dict:
    """A config (DictConfig or containers) resolved into plain containers, secret-looking values hidden."""
    from omegaconf import DictConfig, OmegaConf  # lazy: omegaconf is loaded by Hydra before any run

    tree = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    return redact(tree)


def describe_error(exc: BaseException, uri: str | None = None) -> str:
    """A short message for a store failure (a refused connection named as such, not a stack of causes).

    >>> describe_error(ConnectionError("... [Errno 111] Connection refused"), "http://127.0.0.1:5000")
    'cannot reach the tracking server at http://127.0.0.1:5000: connection refused (is the server up?)'
    """
    text, uri = redact_text(str(exc)), uri and redact_text(uri)
    if "Connection refused" in text or "Failed to establish a new connection" in text:
        where = uri or "the tracking URI"
        return f"cannot reach the tracking server at {where}: connection refused (is the server up?)"
    if "timed out" in text.lower():
        return f"the tracking server at {uri or 'the tracking URI'} did not answer in time: {text[:300]}"
    return f"{type(exc).__name__}: {text[:1000]}"


def set_http_env_defaults() -> None:
    """Make HTTP stores fail fast and keep MLflow's own run links quiet, unless the user set these variables.

    MLflow prints "View run ... at: <server URI>", a password included; our own line redacts it.
    """
    for k, v in HTTP_ENV_DEFAULTS.items():
        os.environ.setdefault(k, v)


def with_retry(fn: Callable[..., T], *args: Any, attempts: int = 10, base: float = 0.05, **kw: Any) -> T:
    """Call ``fn``, retrying with jittered exponential backoff while SQLite reports lock contention.

    Parallel jobs writing one SQLite file collide ("database is locked", or two creating the same
    experiment at once); other errors are raised at once.
    """
    for attempt in range(attempts):
        try:
            return fn(*args, **kw)
        except Exception as exc:
            text = str(exc).lower()
            if attempt == attempts - 1 or not any(r in text for r in RETRYABLE):
                raise
            time.sleep(min(base * 2**attempt, 2.0) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def store_path(uri: str) -> Path | None:
    """The local file (SQLite) or folder (``file:``) a tracking URI names; None for a server or database.

    >>> store_path("sqlite:////tmp/a b/mlflow.db"), store_path("http://host:5000")
    (PosixPath('/tmp/a b/mlflow.db'), None)
    """
    for prefix in ("sqlite:///", "file://"):
        if uri.startswith(prefix):
            return Path(uri.removeprefix(prefix).split("?", 1)[0])
    return None


def _writable(folder: Path) -> bool:
    """Whether a file can be created in `folder` (a probe: permissions, a read-only mount, a full disk)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def check_store(uri: str, *, key: str = "tracking.uri", create: bool = True) -> bool:
    """Check a local store before any work; return True when a new store will be created.

    A store is created only where asked for: in an existing folder (a mistyped path is an error, not a
    new empty store), and never by `compare` or `resync` (``create=False``). A folder or SQLite file
    that cannot be written fails here at once, not after MLflow's ~100 s of connection retries.

    Args:
        uri: A resolved tracking URI (servers and databases are not checked here).
        key: Where the URI came from, for the message.
        create: Whether a missing store may be created.

    Raises:
        ConfigError: The store is missing (and may not be created), its folder is missing, or it is
            read-only.
    """
    path = store_path(uri)
    if path is None:
        return _check_database(uri, key=key, create=create) if is_database(uri) else False
    shown = redact_text(uri)
    if not path.exists():
        if not create:
            raise ConfigError(
                f"there is no tracking store at `{path}` ({shown}).",
                key=key,
                hint="check the path; a store is created by the first `python run.py` logging to it "
                "(or `mlflow server --backend-store-uri <uri>`)",
            )
        if not path.parent.is_dir():
            raise ConfigError(
                f"the folder of the tracking store `{shown}` does not exist: `{path.parent}`.",
                key=key,
                hint="fix the path, or create the folder first to start a new store there",
            )
    if uri.startswith("sqlite") and path.is_file() and not _is_sqlite(path):
        raise ConfigError(
            f"`{path}` is not an SQLite database ({shown}).",
            key=key,
            hint="point it at an MLflow store (a .db file `python run.py` created), or at a new file's path",
        )
    folder = path.parent if path.is_file() or not path.exists() else path
    if not _writable(folder) or (path.is_file() and not os.access(path, os.W_OK)):
        raise ConfigError(
            f"the tracking store `{shown}` is read-only (cannot write in `{folder}`).",
            key=key,
            hint="point tracking.uri at a store you can write, or run with tracking=disabled",
        )
    return not path.exists()


def _is_sqlite(path: Path) -> bool:
    """Whether a file is an SQLite database (its 16-byte header), or empty (SQLite starts an empty file)."""
    with path.open("rb") as f:
        head = f.read(16)
    return head in (b"", b"SQLite format 3\x00")


def is_database(uri: str) -> bool:
    """Whether `uri` names a database server MLflow reaches through SQLAlchemy (not SQLite).

    >>> is_database("postgresql+psycopg://u@h/db"), is_database("sqlite:///mlflow.db")
    (True, False)
    """
    scheme = urlsplit(uri).scheme.split("+", 1)[0].lower()
    return scheme in DB_SCHEMES and scheme != "sqlite"


def database_name(uri: str) -> str:
    """A database URI's ``host:port/db``, for messages (no user, no password).

    >>> database_name("postgresql://mlflow:pw@127.0.0.1:5433/mlflow")
    '127.0.0.1:5433/mlflow'
    """
    parts = urlsplit(uri)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname or 'localhost'}{port}{parts.path or '/'}"


def database_refusal(message: str) -> str | None:
    r"""What the database said when it refused the URI's credentials or database, or None.

    >>> database_refusal('connection to server at "h" failed: FATAL:  password authentication '
    ...     'failed for user "mlflow"\n(Background on this error at: ...)')
    'password authentication failed for user "mlflow"'
    >>> database_refusal("connection refused") is None
    True
    """
    for line in message.splitlines():
        text = line.rsplit("FATAL:", 1)[-1].strip()
        if any(r in text.lower() for r in DB_REFUSALS):
            return text
    return None


#: Database URIs whose check talks to psycopg (3) directly: SQLAlchemy 2.1's ``postgresql://`` driver.
PSYCOPG_SCHEMES = ("postgresql", "postgresql+psycopg")


def _check_database(uri: str, *, key: str, create: bool) -> bool:
    """Connect once to a database store; refused credentials or a missing driver are config errors.

    A database that does not answer (down, unreachable) is left to the run, which keeps its results
    for ``python -m tracking resync`` like any store that is down. Returns True when the database has
    no MLflow tables yet (the first run creates them). A PostgreSQL URI on psycopg (the default driver)
    is checked with psycopg itself, without importing SQLAlchemy (half a second) in the main process
    (`_psycopg_has_store`); other drivers and databases through SQLAlchemy (`_sqlalchemy_has_store`).

    Raises:
        ConfigError: The driver is not installed, the database refused the user or its password, or
            it does not exist; or (``create=False``) it holds no MLflow store.
    """
    where, shown = database_name(uri), redact_text(uri)
    check = _psycopg_has_store if urlsplit(uri).scheme.lower() in PSYCOPG_SCHEMES else _sqlalchemy_has_store
    has, error = check(uri, key=key)
    if error is not None:
        refusal = database_refusal(redact_text(error))
        if refusal is None:
            return False  # down or unreachable: the run goes on and keeps its results
        raise ConfigError(
            f"the database at {where} refused the connection: {refusal} ({shown}).",
            key=key,
            hint="fix the user, password or database name in the URI (or in PGPASSWORD / ~/.pgpass)",
        )
    if not has and not create:
        raise ConfigError(
            f"the database at {where} holds no MLflow tracking store ({shown}).",
            key=key,
            hint="check the URI; `mlflow server --backend-store-uri <uri>` or a first `python run.py` "
            "creates the store",
        )
    return not has


def _missing_driver(uri: str, exc: BaseException | str, key: str) -> ConfigError:
    return ConfigError(
        f"the database driver for `{redact_text(uri)}` is not installed ({exc}).",
        key=key,
        hint='for PostgreSQL: pip install -e ".[postgres]" (psycopg, the driver of postgresql://)',
    )


def _psycopg_has_store(uri: str, *, key: str) -> tuple[bool, str | None]:
    """(the database has MLflow's ``experiments`` table, the connection's error message or None)."""
    if importlib.util.find_spec("psycopg") is None:
        raise _missing_driver(uri, "No module named 'psycopg'", key)
    import psycopg  # lazy: only for a PostgreSQL URI

    parts = urlsplit(uri)  # libpq reads the same URI, once SQLAlchemy's +driver is dropped
    conninfo = urlunsplit(parts._replace(scheme="postgresql"))
    try:
        with psycopg.connect(conninfo, autocommit=True, **DB_CONNECT_ARGS["postgresql"]) as con:
            # what SQLAlchemy's has_table asks: the table in the connection's search path
            row = con.execute("select to_regclass('experiments') is not null").fetchone()
    except psycopg.Error as exc:
        return False, str(exc)
    return bool(row and row[0]), None


def _sqlalchemy_has_store(uri: str, *, key: str) -> tuple[bool, str | None]:
    """As `_psycopg_has_store`, through SQLAlchemy's engine for the URI (any driver it knows)."""
    import sqlalchemy  # lazy: SQLAlchemy loads only for a database URI psycopg does not serve
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError
    from sqlalchemy.pool import NullPool

    scheme = urlsplit(uri).scheme.split("+", 1)[0].lower()
    try:
        engine = sqlalchemy.create_engine(
            uri, connect_args=DB_CONNECT_ARGS.get(scheme, {}), poolclass=NullPool
        )
    except (ImportError, NoSuchModuleError) as exc:
        raise _missing_driver(uri, exc, key) from None
    try:
        with engine.connect() as con:
            return sqlalchemy.inspect(con).has_table("experiments"), None
    except DBAPIError as exc:
        return False, str(exc.orig)
    finally:
        engine.dispose()


def store_lock(uri: str) -> contextlib.AbstractContextManager[Any]:
    """A file lock beside a local store (``mlflow.db.lock``) serialising its creation and migration.

    Two runs that create one SQLite store at the same instant otherwise race in MLflow's schema
    migration (``duplicate column name``); other stores need no lock.
    """
    path = store_path(uri)
    if path is None or not path.parent.is_dir():
        return contextlib.nullcontext()
    return FileLock(str(path.with_name(path.name + ".lock")), timeout=600)


def artifact_root(uri: str) -> str | None:
    """Where a new experiment keeps artifacts: beside a SQLite file; the server decides otherwise."""
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).resolve().parent / "mlartifacts").as_uri()
    return None


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten a nested mapping into ``a.b.c`` keys with string values (lists kept as their repr).

    Values under secret-looking keys (token, password, key, ...) are replaced by ``<redacted>``.

    >>> flatten({"a": {"b": 1, "c": [1, 2]}, "d": None, "api_key": "s3cr3t"})
    {'a.b': '1', 'a.c': '[1, 2]', 'd': 'None', 'api_key': '<redacted>'}
    """
    out: dict[str, str] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if is_secret(str(k)):
            out[key] = REDACTED
        elif isinstance(v, Mapping):
            out.update(flatten(v, f"{key}."))
        else:
            out[key] = str(redact(v) if isinstance(v, list | tuple) else v)[:MAX_PARAM_LEN]
    return out


def market_dataset(info: Mapping[str, Any]) -> Any:
    """An MLflow dataset for `mlflow.log_input`: source, date range, content digest, columns.

    Args:
        info: ``name``, ``digest``, ``source`` (a mapping: where the data came from), ``first``,
            ``last``, ``rows`` and ``columns`` (see `tracking.lineage.dataset_info`).
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    from mlflow.data.code_dataset_source import CodeDatasetSource
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.types import ColSpec, Schema

    class MarketDataset(MetaDataset):
        """A `MetaDataset` that also reports its profile (rows and date range) to the UI."""

        @property
        def profile(self) -> dict[str, Any]:
            return {k: info[k] for k in ("rows", "first", "last")}

        def to_dict(self) -> dict[str, str]:
            return {**super().to_dict(), "profile": json.dumps(self.profile)}

    schema = Schema([ColSpec("double", str(c)) for c in info["columns"]])
    return MarketDataset(
        CodeDatasetSource(tags=dict(info["source"])), name=info["name"], digest=info["digest"], schema=schema
    )


def redact_hydra_file(f: Path, dest: Path) -> None:
    """Write Hydra's file `f` to `dest` with secret-looking values hidden, replaced in one step.

    Any ``.hydra`` file, or a sweep's ``multirun.yaml``; a reader sees the old file or the new one.
    """
    data = yaml.safe_load(f.read_text()) if f.suffix == ".yaml" else None
    if f.name == "overrides.yaml" and isinstance(data, list):
        data = [redact_override(str(o)) for o in data]
    elif isinstance(data, dict):
        task = list((data.get("hydra", {}).get("overrides") or {}).get("task") or [])
        data = redact(data)
        if "hydra" in data:  # overrides are repeated there (task and hydra), and in the dirname
            overrides = data.get("hydra", {}).get("overrides") or {}
            for group, items in overrides.items():
                if isinstance(items, list):
                    overrides[group] = [redact_override(str(o)) for o in items]
            job = data.get("hydra", {}).get("job") or {}
            if isinstance(job.get("override_dirname"), str):
                for o in map(str, task):  # a secret key's value may hold commas or spaces
                    job["override_dirname"] = job["override_dirname"].replace(o, redact_override(o))
    text = f.read_bytes() if data is None else yaml.safe_dump(data, sort_keys=False).encode()
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_bytes(text)
    tmp.replace(dest)


def _redacted_copy(hydra_dir: Path, dest: Path) -> Path:
    """Copy Hydra's ``.hydra`` folder with secret-looking values hidden (config, hydra and overrides)."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in hydra_dir.iterdir():
        if f.is_file() and not f.name.startswith("."):
            redact_hydra_file(f, dest / f.name)
    return dest


def redact_hydra_dir(hydra_dir: Path) -> None:
    """Hide secret-looking values in a run folder's own ``.hydra`` files, in place (if there are any)."""
    if hydra_dir.is_dir():
        _redacted_copy(hydra_dir, hydra_dir)


def store_name(name: str) -> str:
    """A run name cut (with an ellipsis) to fit MLflow's ``runs.name`` column, 250 characters.

    SQLite does not enforce the column's length; PostgreSQL refuses the whole run.

    >>> len(store_name("x" * 300)), store_name("lookback=504")
    (250, 'lookback=504')
    """
    return name if len(name) <= MAX_RUN_NAME_LEN else name[: MAX_RUN_NAME_LEN - 1] + "…"


def _finite(metrics: Mapping[str, float]) -> dict[str, float]:
    """The metrics as floats, NaN values left out (MLflow refuses them)."""
    return {k: float(v) for k, v in metrics.items() if not math.isnan(float(v))}


def with_headline(note: str, metrics: Mapping[str, float], verdict: str = "") -> str:
    """A run's description `note` under the headline table of its `metrics` (`tracking.headline`).

    A `verdict` sentence, when the run has one, is the description's first line, in bold.

    >>> print(with_headline("**Re-run**", {"cagr": 0.1234}))
    | | strategy |
    |---|---:|
    | CAGR | 12.34% |
    <BLANKLINE>
    **Re-run**
    """
    lead = f"**Verdict: {verdict}**" if verdict else ""
    return "\n\n".join(part for part in (lead, headline_table(metrics), note) if part)


@dataclass
class Tracker:
    """A live MLflow run; `log` sends params, metrics, tags and a folder of artifacts."""

    run_id: str
    uri: str
    experiment_id: str

    def describe(
        self,
        *,
        dataset: Mapping[str, Any] | None = None,
        note: str | None = None,
        tags: Mapping[str, str] | None = None,
        texts: Mapping[str, str] | None = None,
    ) -> None:
        """Log what is known when the run starts: input dataset, description, tags, small text files.

        Args:
            dataset: Market data description for `mlflow.log_input` (see `market_dataset`).
            note: Markdown shown as the run's description (the ``mlflow.note.content`` tag).
            tags: More tags (reproducibility: commit, versions, command line).
            texts: Artifact path -> text (e.g. ``repro/git_diff.patch``).
        """
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        if dataset is not None:
            with_retry(mlflow.log_input, market_dataset(dataset), context="backtest")
        all_tags = dict(tags or {})
        if note:
            all_tags[NOTE] = note
        if all_tags:
            with_retry(mlflow.set_tags, all_tags)
        for path, text in (texts or {}).items():
            with_retry(mlflow.log_text, text, path)

    def log_params(self, params: Mapping[str, str]) -> None:
        """Log params (secret-looking keys hidden), in MLflow's batches of 100."""
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        items = [(k, REDACTED if is_secret(k) else v) for k, v in params.items()]
        for i in range(0, len(items), 100):  # MLflow's batch limit
            with_retry(mlflow.log_params, dict(items[i : i + 100]))

    def log(
        self,
        *,
        params: Mapping[str, str],
        metrics: Mapping[str, float],
        tags: Mapping[str, str],
        folder: Path,
        hydra_dir: Path | None = None,
        children: list[Mapping[str, Any]] | None = None,
    ) -> None:
        """Log everything about the run; the folder's files become the run's artifacts.

        Args:
            params: Flattened config.
            metrics: Metric name -> value (NaN values are skipped).
            tags: Run tags.
            folder: The run's results folder, logged at the artifact root.
            hydra_dir: Hydra's ``.hydra`` folder (config, overrides), logged under ``hydra/`` with
                secret-looking values hidden.
            children: Child runs nested under this one (e.g. a grid's top configurations): ``name``,
                ``params``, ``metrics``, and ``tags`` added to this run's.
        """
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        self.log_params(params)
        with_retry(mlflow.log_metrics, _finite(metrics))
        with_retry(mlflow.set_tags, dict(tags))
        own_note = with_retry(mlflow.get_run, self.run_id).data.tags.get(NOTE, "")
        with_retry(mlflow.set_tag, NOTE, with_headline(own_note, metrics, dict(tags).get(VERDICT_TAG, "")))
        with_retry(mlflow.log_artifacts, str(folder))
        if hydra_dir is not None and hydra_dir.is_dir():
            with tempfile.TemporaryDirectory() as tmp:
                with_retry(mlflow.log_artifacts, str(_redacted_copy(hydra_dir, Path(tmp))), "hydra")
        if children:  # the children carry the code version `describe` gave this run
            own = with_retry(mlflow.get_run, self.run_id).data.tags
            tags = {**{k: v for k, v in own.items() if k.startswith(CODE_TAGS)}, **tags}
        for child in children or []:
            child_tags = {**tags, **child.get("tags", {}), "mlflow.parentRunId": self.run_id}
            with_retry(
                mlflow.start_run,
                run_name=store_name(child["name"]),
                nested=True,
                experiment_id=self.experiment_id,
                tags=child_tags,
            )
            with_retry(mlflow.log_params, flatten(child["params"]))
            if child_note := with_headline(child_tags.get(NOTE, ""), child["metrics"]):
                with_retry(mlflow.set_tag, NOTE, child_note)
            with_retry(mlflow.log_metrics, _finite(child["metrics"]))
            with_retry(mlflow.end_run, status="FINISHED")


@dataclass
class Session:
    """A connection to a tracking store and one experiment in it."""

    uri: str
    experiment_id: str

    @classmethod
    def open(cls, *, uri: str | None, experiment: str) -> Session:
        """Connect to the store and get (or create) the experiment (under `store_lock` for a local store).

        Args:
            uri: Tracking URI from config (None: environment, then the repo's SQLite file).
            experiment: Experiment name; created on first use, artifacts beside a SQLite store.
        """
        set_http_env_defaults()
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        uri = resolve_uri(uri)
        mlflow.set_tracking_uri(uri)
        with store_lock(uri):  # the first access creates and migrates the schema
            return cls(uri=uri, experiment_id=with_retry(_experiment_id, experiment, uri))

    def start_run(self, run_name: str, tags: Mapping[str, str] | None = None) -> Tracker:
        """Start a run in the experiment and make it the active one.

        Args:
            run_name: Display name.
            tags: Tags set at creation (e.g. ``mlflow.parentRunId`` to nest it under a sweep).
        """
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        run = with_retry(
            mlflow.start_run,
            experiment_id=self.experiment_id,
            run_name=store_name(run_name),
            tags=dict(tags or {}),
        )
        return Tracker(run_id=run.info.run_id, uri=self.uri, experiment_id=self.experiment_id)

    @staticmethod
    def end_active(status: str) -> None:
        """End the active run, if one is still open, with `status` (e.g. KILLED)."""
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        if mlflow.active_run() is not None:
            with_retry(mlflow.end_run, status=status)

    @staticmethod
    def end_run(status: str) -> None:
        """End the active run with `status` (FINISHED, FAILED or KILLED)."""
        # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
        import mlflow

        with_retry(mlflow.end_run, status=status)


#: The experiment tag MLflow's UI reads to choose its view: this one opens the runs table (not GenAI's).
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}


def _experiment_id(name: str, uri: str) -> str:
    """The id of experiment `name`, created (artifacts beside a SQLite store) if missing.

    The experiment carries `EXPERIMENT_KIND`: set at creation, or on first use of an experiment an
    older version created without it (a kind the user chose is left alone).
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    exp = mlflow.get_experiment_by_name(name)
    if exp is None:
        return mlflow.create_experiment(name, artifact_root(uri), tags=EXPERIMENT_KIND)
    for key, value in EXPERIMENT_KIND.items():
        if key not in exp.tags:
            mlflow.MlflowClient().set_experiment_tag(exp.experiment_id, key, value)
    return exp.experiment_id


@contextlib.contextmanager
def start(*, uri: str | None, experiment: str, run_name: str) -> Iterator[Tracker]:
    """Open an MLflow run in this process; it ends FINISHED, or FAILED if the body raises.

    Args:
        uri: Tracking URI from config (None: environment, then the repo's SQLite file).
        experiment: Experiment name (created on first use, artifacts beside a SQLite store).
        run_name: The run's display name.

    Yields:
        A `Tracker` for the active run.
    """
    session = Session.open(uri=uri, experiment=experiment)
    tracker = session.start_run(run_name)
    try:
        yield tracker
    except BaseException:
        session.end_run("FAILED")
        raise
    session.end_run("FINISHED")


def ui_command(uri: str) -> str:
    """The shell command that opens the MLflow UI on `uri` (shell-quoted, a URI's password hidden).

    >>> ui_command("sqlite:////tmp/my runs/mlflow.db")
    "mlflow ui --backend-store-uri 'sqlite:////tmp/my runs/mlflow.db'"
    >>> ui_command("http://me:pw@host:5000")
    'open http://me:<redacted>@host:5000 in a browser'
    """
    if uri == f"sqlite:///{REPO_ROOT / 'mlflow.db'}":
        return f"cd {shlex.quote(str(REPO_ROOT))} && mlflow ui"
    if uri.startswith("http"):
        return f"open {redact_text(uri)} in a browser"
    return f"mlflow ui --backend-store-uri {shlex.quote(redact_text(uri))}"


#: Where `mlflow ui` serves by default.
UI_ADDRESS = "http://127.0.0.1:5000"


def runs_page(uri: str, experiment_id: str) -> str:
    """The UI's page of an experiment's runs table (for a local store, `mlflow ui` on its default address).

    MLflow 3.17's UI opens an experiment in its GenAI view (traces, evaluation runs) unless the
    browser's GenAI / Model training switch says otherwise; ``workflowType=machine_learning`` sets the
    switch to Model training, so the link opens on the runs table.

    >>> runs_page("sqlite:////tmp/mlflow.db", "1")
    'http://127.0.0.1:5000/#/experiments/1?workflowType=machine_learning'
    >>> runs_page("http://me:pw@host:5000/", "3")
    'http://me:<redacted>@host:5000/#/experiments/3?workflowType=machine_learning'
    """
    base = redact_text(uri).rstrip("/") if uri.startswith("http") else UI_ADDRESS
    return f"{base}/#/experiments/{experiment_id}?workflowType=machine_learning"
