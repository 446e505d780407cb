"""Production settings: hardened, every secret from the environment, and a
missing or malformed variable stops startup with one line naming it."""

import json
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.production_helpers import PRODUCTION_ENV, ROOT, manage, production_env, run_python

SETUP = "import django; django.setup()"
PASSWORD = "s3cr3t-Pa55"
REQUIRED = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SITE_URL"]


def test_check_deploy_passes_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def assert_stops_naming(result, name):
    """Exit status 1 and exactly one line on stderr, naming `name`, no password."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("puente: configuration error: "), lines[0]
    assert name in lines[0], lines[0]
    assert PASSWORD not in result.stderr
    return lines[0]


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_required_variables(missing):
    result = manage("check", env=production_env(**{missing: None}))
    line = assert_stops_naming(result, missing)
    assert line == (
        f"puente: configuration error: the environment variable {missing} is required in production"
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_an_empty_required_variable_counts_as_missing(missing):
    result = run_python(SETUP, production_env(**{missing: "  "}))
    assert_stops_naming(result, f"the environment variable {missing} is required")


S3 = {"PUENTE_MEDIA_S3_BUCKET": "puente-media"}
SENTINEL = {"REDIS_URL": None, "REDIS_SENTINELS": "10.0.0.1:26379"}
P = PASSWORD

# (what is wrong, the variables, the variable the line must name first, a
# fragment of the problem it must state)
MALFORMED = [
    ("hosts: none", {"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS", "at least one host"),
    ("hosts: a scheme", {"ALLOWED_HOSTS": "https://a.example"}, "ALLOWED_HOSTS", "without scheme"),
    ("hosts: a path", {"ALLOWED_HOSTS": "a.example/puente"}, "ALLOWED_HOSTS", "without scheme"),
    ("db: mysql", {"DATABASE_URL": f"mysql://u:{P}@db/x"}, "DATABASE_URL", "postgres://"),
    ("db: not a URL", {"DATABASE_URL": "db.internal"}, "DATABASE_URL", "database URL"),
    ("db: bad port", {"DATABASE_URL": f"postgres://u:{P}@db:port/x"}, "DATABASE_URL", "URL"),
    ("db: no name", {"DATABASE_URL": f"postgres://u:{P}@db:5432/"}, "DATABASE_URL", "name"),
    ("redis: http", {"REDIS_URL": f"http://:{P}@redis:6379"}, "REDIS_URL", "redis://"),
    ("redis: no scheme", {"REDIS_URL": "redis.internal:6379"}, "REDIS_URL", "redis://"),
    ("redis: one of two", {"REDIS_URL": "redis://a:6379,b:6379"}, "REDIS_URL", "redis://"),
    ("redis: bad port", {"REDIS_URL": f"redis://:{P}@a:63x9/0"}, "REDIS_URL", "valid URL"),
    ("site: no scheme", {"SITE_URL": "consulta.example"}, "SITE_URL", "https://"),
    ("site: a path", {"SITE_URL": "https://a.example/puente"}, "SITE_URL", "without a path"),
    ("site: ftp", {"SITE_URL": "ftp://a.example"}, "SITE_URL", "https://"),
    ("csrf: no scheme", {"CSRF_TRUSTED_ORIGINS": "a.example"}, "CSRF_TRUSTED_ORIGINS", "URL"),
    ("email port: a word", {"EMAIL_PORT": "smtp"}, "EMAIL_PORT", "whole number"),
    ("email port: too big", {"EMAIL_PORT": "70000"}, "EMAIL_PORT", "between 1 and 65535"),
    ("email tls: maybe", {"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS", "true or false"),
    ("email ssl: maybe", {"EMAIL_USE_SSL": "maybe"}, "EMAIL_USE_SSL", "true or false"),
    (
        "email: tls and ssl",
        {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "yes"},
        "EMAIL_USE_TLS",
        "EMAIL_USE_SSL",
    ),
    ("email timeout: 0", {"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT", "at least 1"),
    ("hsts: negative", {"SECURE_HSTS_SECONDS": "-1"}, "SECURE_HSTS_SECONDS", "at least 0"),
    ("redirect: maybe", {"SECURE_SSL_REDIRECT": "maybe"}, "SECURE_SSL_REDIRECT", "true or false"),
    ("proxies: a word", {"PUENTE_TRUSTED_PROXIES": "one"}, "PUENTE_TRUSTED_PROXIES", "number"),
    ("layer: unknown", {"PUENTE_CHANNEL_LAYER": "fast"}, "PUENTE_CHANNEL_LAYER", "pubsub, core"),
    ("sentry: not a URL", {"SENTRY_DSN": "not-a-dsn"}, "SENTRY_DSN", "URL"),
    ("sentry: no key", {"SENTRY_DSN": "https://sentry.example/1"}, "SENTRY_DSN", "<key>"),
    ("sentry: project", {"SENTRY_DSN": f"https://{P}@s.example/x"}, "SENTRY_DSN", "project id"),
    ("sentry rate: 1.5", {"SENTRY_TRACES_SAMPLE_RATE": "1.5"}, "SENTRY_TRACES_SAMPLE_RATE", "0"),
    (
        "sentry rate: word",
        {"SENTRY_TRACES_SAMPLE_RATE": "lots"},
        "SENTRY_TRACES_SAMPLE_RATE",
        "number",
    ),
    ("log level", {"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG, INFO"),
    ("log format", {"LOG_FORMAT": "xml"}, "LOG_FORMAT", "json, text"),
    ("pool: maybe", {"DATABASE_POOL": "maybe"}, "DATABASE_POOL", "true or false"),
    ("pool max: word", {"DATABASE_POOL_MAX_SIZE": "ten"}, "DATABASE_POOL_MAX_SIZE", "whole"),
    ("pool min: negative", {"DATABASE_POOL_MIN_SIZE": "-1"}, "DATABASE_POOL_MIN_SIZE", "least"),
    ("pool timeout: word", {"DATABASE_POOL_TIMEOUT": "soon"}, "DATABASE_POOL_TIMEOUT", "number"),
    (
        "pool: min over max",
        {"DATABASE_POOL_MIN_SIZE": "8", "DATABASE_POOL_MAX_SIZE": "4"},
        "DATABASE_POOL_MAX_SIZE",
        "DATABASE_POOL_MIN_SIZE (8)",
    ),
    (
        "pool and pgbouncer",
        {"DATABASE_POOL": "true", "DATABASE_PGBOUNCER": "true"},
        "DATABASE_POOL",
        "PgBouncer",
    ),
    ("connect timeout", {"DATABASE_CONNECT_TIMEOUT": "0"}, "DATABASE_CONNECT_TIMEOUT", "least"),
    (
        "statement timeout: units",
        {"DATABASE_STATEMENT_TIMEOUT": "30s"},
        "DATABASE_STATEMENT_TIMEOUT",
        "whole number",
    ),
    (
        "statement timeout: past what PostgreSQL accepts",
        {"DATABASE_STATEMENT_TIMEOUT": "2147483648"},
        "DATABASE_STATEMENT_TIMEOUT",
        "between 0 and 2147483647",
    ),
    ("pgbouncer: maybe", {"DATABASE_PGBOUNCER": "maybe"}, "DATABASE_PGBOUNCER", "true or false"),
    (
        "s3: endpoint, no bucket",
        {"PUENTE_MEDIA_S3_ENDPOINT_URL": "http://minio:9000"},
        "PUENTE_MEDIA_S3_BUCKET",
        "PUENTE_MEDIA_S3_ENDPOINT_URL",
    ),
    (
        "s3: key id, no secret",
        {**S3, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
    ),
    (
        "s3: secret, no key id",
        {**S3, "AWS_SECRET_ACCESS_KEY": P},
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ),
    ("s3: bucket name", {"PUENTE_MEDIA_S3_BUCKET": "My_Bucket"}, "PUENTE_MEDIA_S3_BUCKET", "name"),
    (
        "s3: endpoint without scheme",
        {**S3, "PUENTE_MEDIA_S3_ENDPOINT_URL": "minio:9000"},
        "PUENTE_MEDIA_S3_ENDPOINT_URL",
        "http://",
    ),
    (
        "s3: signed urls maybe",
        {**S3, "PUENTE_MEDIA_S3_QUERYSTRING_AUTH": "maybe"},
        "PUENTE_MEDIA_S3_QUERYSTRING_AUTH",
        "true or false",
    ),
    (
        "s3: addressing",
        {**S3, "PUENTE_MEDIA_S3_ADDRESSING_STYLE": "dns"},
        "PUENTE_MEDIA_S3_ADDRESSING_STYLE",
        "path",
    ),
    (
        "s3: signed urls for over a week",
        {**S3, "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE": "604801"},
        "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE",
        "between 1 and 604800",
    ),
    (
        "s3: signed urls for an hour, in words",
        {**S3, "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE": "1h"},
        "PUENTE_MEDIA_S3_QUERYSTRING_EXPIRE",
        "whole number",
    ),
    (
        "s3: custom domain with a scheme",
        {**S3, "PUENTE_MEDIA_S3_CUSTOM_DOMAIN": "https://cdn.example"},
        "PUENTE_MEDIA_S3_CUSTOM_DOMAIN",
        "without scheme",
    ),
    (
        "s3: custom domain with a space",
        {**S3, "PUENTE_MEDIA_S3_CUSTOM_DOMAIN": "cdn example"},
        "PUENTE_MEDIA_S3_CUSTOM_DOMAIN",
        "without scheme",
    ),
    ("sentinels: no port", {**SENTINEL, "REDIS_SENTINELS": "a:b"}, "REDIS_SENTINELS", "numeric"),
    ("sentinels: no master", SENTINEL, "REDIS_SENTINEL_MASTER", "REDIS_SENTINELS"),
    (
        "sentinels: db a word",
        {**SENTINEL, "REDIS_SENTINEL_MASTER": "m", "REDIS_DB": "one"},
        "REDIS_DB",
        "whole number",
    ),
    (
        "sentinels: db negative",
        {**SENTINEL, "REDIS_SENTINEL_MASTER": "m", "REDIS_DB": "-1"},
        "REDIS_DB",
        "at least 0",
    ),
    (
        "sentinels and a URL",
        {**SENTINEL, "REDIS_URL": "redis://a:6379/0", "REDIS_SENTINEL_MASTER": "m"},
        "REDIS_URL",
        "REDIS_SENTINELS",
    ),
    ("redis password alone", {"REDIS_PASSWORD": P}, "REDIS_PASSWORD", "REDIS_SENTINELS"),
    ("redis cache: http", {"REDIS_CACHE_URL": "http://cache:6379"}, "REDIS_CACHE_URL", "redis://"),
    (
        "redis cache: one of two",
        {"REDIS_CACHE_URL": "redis://a:6379/1,b:6379/1"},
        "REDIS_CACHE_URL",
        "redis://",
    ),
    ("es: no scheme", {"ELASTICSEARCH_URL": "search:9200"}, "ELASTICSEARCH_URL", "http://"),
    (
        "es: credentials in the URL",
        {"ELASTICSEARCH_URL": f"https://elastic:{P}@search:9200"},
        "ELASTICSEARCH_URL",
        "ELASTICSEARCH_USERNAME",
    ),
    (
        "es: user, no password",
        {"ELASTICSEARCH_USERNAME": "elastic"},
        "ELASTICSEARCH_PASSWORD",
        "ELASTICSEARCH_USERNAME",
    ),
    (
        "es: password, no user",
        {"ELASTICSEARCH_PASSWORD": P},
        "ELASTICSEARCH_USERNAME",
        "ELASTICSEARCH_PASSWORD",
    ),
    (
        "es: key and user",
        {"ELASTICSEARCH_API_KEY": P, "ELASTICSEARCH_USERNAME": "e", "ELASTICSEARCH_PASSWORD": P},
        "ELASTICSEARCH_API_KEY",
        "only one",
    ),
    (
        "es: missing CA file",
        {"ELASTICSEARCH_CA_CERTS": "/nonexistent/ca.pem"},
        "ELASTICSEARCH_CA_CERTS",
        "existing file",
    ),
    (
        "es: verify maybe",
        {"ELASTICSEARCH_VERIFY_CERTS": "maybe"},
        "ELASTICSEARCH_VERIFY_CERTS",
        "true or false",
    ),
    ("es: timeout", {"ELASTICSEARCH_TIMEOUT": "-1"}, "ELASTICSEARCH_TIMEOUT", "at least"),
    (
        "es: options without the URL",
        {"ELASTICSEARCH_URL": None, "ELASTICSEARCH_API_KEY": P},
        "ELASTICSEARCH_URL",
        "ELASTICSEARCH_API_KEY",
    ),
    ("ws max size: small", {"PUENTE_WS_MAX_SIZE": "100"}, "PUENTE_WS_MAX_SIZE", "at least 16384"),
    (
        "concurrency: 0",
        {"UVICORN_LIMIT_CONCURRENCY": "0"},
        "UVICORN_LIMIT_CONCURRENCY",
        "at least 1",
    ),
    (
        "keep-alive: word",
        {"UVICORN_TIMEOUT_KEEP_ALIVE": "long"},
        "UVICORN_TIMEOUT_KEEP_ALIVE",
        "whole number",
    ),
    (
        "graceful shutdown: units",
        {"UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN": "10s"},
        "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN",
        "whole number",
    ),
    (
        "graceful shutdown: negative",
        {"UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN": "-5"},
        "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN",
        "at least 0",
    ),
    ("backlog: 0", {"UVICORN_BACKLOG": "0"}, "UVICORN_BACKLOG", "between 1 and"),
    (
        "backlog: past a C int",
        {"UVICORN_BACKLOG": "99999999999"},
        "UVICORN_BACKLOG",
        "between 1 and 2147483647",
    ),
    ("backlog: a word", {"UVICORN_BACKLOG": "big"}, "UVICORN_BACKLOG", "whole number"),
    (
        "ws ping interval: 0",
        {"UVICORN_WS_PING_INTERVAL": "0"},
        "UVICORN_WS_PING_INTERVAL",
        "at least 1",
    ),
    (
        "ws ping interval: not finite",
        {"UVICORN_WS_PING_INTERVAL": "inf"},
        "UVICORN_WS_PING_INTERVAL",
        "finite number",
    ),
    (
        "ws ping timeout: word",
        {"UVICORN_WS_PING_TIMEOUT": "soon"},
        "UVICORN_WS_PING_TIMEOUT",
        "number",
    ),
    (
        "forwarded IPs: a name",
        {"PUENTE_FORWARDED_ALLOW_IPS": "127.0.0.1,nginx"},
        "PUENTE_FORWARDED_ALLOW_IPS",
        "IP addresses",
    ),
    ("secret key: two lines", {"SECRET_KEY": "abc\ndef"}, "SECRET_KEY", "one line"),
]


# Each case reads the production settings afresh in one process (a process
# per case cost a minute of CPU); the cases above and below show that the
# same error stops a real process with exactly that line.
EVERY_CASE = """
import importlib, json, os, sys
cases = json.load(sys.stdin)
start = dict(os.environ)
found = {}
for case, variables in cases.items():
    os.environ.clear()
    os.environ.update(start)
    for key, value in variables.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    for module in [m for m in sys.modules if m.startswith("config.settings")]:
        del sys.modules[module]
    try:
        importlib.import_module("config.settings.production")
    except SystemExit as exc:
        found[case] = [type(exc).__name__, str(exc)]
    else:
        found[case] = ["started", ""]
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def malformed_lines():
    cases = {case[0]: {**production_env(), **case[1]} for case in MALFORMED}
    result = run_python(EVERY_CASE, {}, stdin=json.dumps(cases))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("case", "name", "problem"),
    [(case[0], case[2], case[3]) for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_variable_stops_startup_with_one_line_naming_it(
    malformed_lines, case, name, problem
):
    kind, line = malformed_lines[case]
    assert kind == "ConfigurationError", (kind, line)
    assert "\n" not in line, line
    assert line.startswith(f"puente: configuration error: {name} "), line
    assert problem in line, line
    assert PASSWORD not in line, line


def test_the_line_shows_the_value_without_its_password():
    result = run_python(SETUP, production_env(DATABASE_URL=f"mysql://puente:{P}@db.internal/x"))
    line = assert_stops_naming(result, "DATABASE_URL")
    assert line.endswith("(got 'mysql://***@db.internal/x')"), line


def test_manage_py_and_the_asgi_application_stop_the_same_way():
    env = production_env(EMAIL_PORT="smtp")
    expected = "puente: configuration error: EMAIL_PORT must be a whole number (got 'smtp')"
    assert manage("check", env=env).stderr.strip() == expected
    asgi = run_python("import config.asgi", env)
    assert asgi.returncode == 1
    assert asgi.stderr.strip() == expected


SHOW = """
import json
from django.conf import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "db_options": db.get("OPTIONS", {}),
    "conn_max_age": db["CONN_MAX_AGE"],
    "server_side_cursors_off": db["DISABLE_SERVER_SIDE_CURSORS"],
    "layer": s.CHANNEL_LAYERS["default"],
    "cache": s.CACHES["default"],
    "media": s.STORAGES["default"],
    "docs": s.WAGTAILDOCS_SERVE_METHOD,
    "es": s.ELASTICSEARCH_OPTIONS,
    "es_url": s.ELASTICSEARCH_URL,
    "pages": s.WAGTAILSEARCH_BACKENDS["default"],
    "server": s.PUENTE_SERVER,
    "email": [s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT],
    "hsts": s.SECURE_HSTS_SECONDS,
    "site": s.WAGTAILADMIN_BASE_URL,
    "root_level": s.LOGGING["root"]["level"],
    "installed_daphne": "daphne" in s.INSTALLED_APPS,
}, default=list))
"""


def settings_with(**changes):
    result = run_python(SHOW, production_env(**changes))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_uses_the_services_it_is_given():
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['HOST'], s.CHANNEL_LAYERS['default']['BACKEND'],"
        " s.PUENTE_SEARCH_BACKEND, s.DEBUG, s.ALLOWED_HOSTS)"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "db.internal",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
        "elasticsearch",
        "False",
        "['consulta.municipio.example']",
    ]


def test_defaults_one_connection_per_request_local_media_and_no_daphne():
    s = settings_with()
    assert s["conn_max_age"] == 0
    assert "pool" not in s["db_options"]
    assert s["db_options"]["connect_timeout"] == 5
    assert s["server_side_cursors_off"] is False
    assert s["media"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert s["docs"] == "serve_view"
    assert s["email"] == [25, True, False, 20]
    assert s["hsts"] == 31536000
    assert s["site"] == "https://consulta.municipio.example"
    assert s["root_level"] == "INFO"
    assert s["installed_daphne"] is False
    assert s["server"]["ws_max_size"] == 16 * 1024
    assert s["server"]["forwarded_allow_ips"] == "127.0.0.1"


def requirements_in(path):
    """The requirements a pip requirements file installs (following -r, not -c)."""
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r"):
            found += requirements_in(path.parent / line[2:].strip())
        elif line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def installed_with(requirements):
    """The names of the distributions these requirements install, with what
    they depend on (their extras included), from the installed metadata."""
    names, todo = set(), [(r, r.extras) for r in requirements]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in names:
            continue
        names.add(name)
        for each in map(Requirement, metadata.requires(name) or ()):
            markers = [{"extra": extra} for extra in [*extras, ""]]
            if each.marker is None or any(each.marker.evaluate(m) for m in markers):
                todo.append((each, each.extras))
    return names


def test_daphne_is_a_development_requirement_only():
    """channels.testing needs daphne; production serves with uvicorn and
    must not install it, not even as the dependency of a dependency."""
    production = installed_with(requirements_in(ROOT / "requirements.txt"))
    development = installed_with(requirements_in(ROOT / "requirements-dev.txt"))
    assert {"django", "channels", "uvicorn", "websockets"} <= production
    assert "daphne" not in production
    assert "daphne" in development


def test_the_connection_pool_and_pgbouncer_settings():
    pooled = settings_with(
        DATABASE_POOL="true",
        DATABASE_POOL_MIN_SIZE="1",
        DATABASE_POOL_MAX_SIZE="4",
        DATABASE_POOL_TIMEOUT="2.5",
        DATABASE_STATEMENT_TIMEOUT="30000",
    )
    assert pooled["conn_max_age"] == 0
    assert pooled["db_options"]["pool"] == {"min_size": 1, "max_size": 4, "timeout": 2.5}
    assert pooled["db_options"]["options"] == "-c statement_timeout=30000"
    bouncer = settings_with(DATABASE_PGBOUNCER="on")
    assert bouncer["server_side_cursors_off"] is True
    assert "pool" not in bouncer["db_options"]


def test_several_redis_servers_shard_the_channel_layer_and_the_cache_uses_the_first():
    s = settings_with(REDIS_URL="redis://r1:6379/0, redis://r2:6379/0", PUENTE_CHANNEL_LAYER="core")
    assert s["layer"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert [h["address"] for h in s["layer"]["CONFIG"]["hosts"]] == [
        "redis://r1:6379/0",
        "redis://r2:6379/0",
    ]
    assert all(h["max_connections"] == 1000 for h in s["layer"]["CONFIG"]["hosts"])
    assert s["cache"]["LOCATION"] == "redis://r1:6379/0"
    replicas = settings_with(REDIS_CACHE_URL="redis://primary:6379/1,redis://replica:6379/1")
    assert replicas["cache"]["LOCATION"] == ["redis://primary:6379/1", "redis://replica:6379/1"]


def test_sentinel_settings():
    s = settings_with(
        REDIS_URL=None,
        REDIS_SENTINELS="s1:26379, s2",
        REDIS_SENTINEL_MASTER="puente",
        REDIS_PASSWORD="pw",
        REDIS_DB="2",
    )
    (host,) = s["layer"]["CONFIG"]["hosts"]
    assert host["sentinels"] == [["s1", 26379], ["s2", 26379]]
    assert host["master_name"] == "puente"
    assert host["password"] == "pw"
    assert host["db"] == 2
    assert s["cache"]["OPTIONS"]["pool_class"] == "core.redis_sentinel.SentinelPool"
    assert s["cache"]["OPTIONS"]["master_name"] == "puente"


def test_s3_media_settings():
    s = settings_with(
        PUENTE_MEDIA_S3_BUCKET="puente-media",
        PUENTE_MEDIA_S3_ENDPOINT_URL="https://minio.internal:9000",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert s["media"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s["media"]["OPTIONS"]
    assert options["bucket_name"] == "puente-media"
    assert options["endpoint_url"] == "https://minio.internal:9000"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["default_acl"] is None
    assert s["docs"] == "serve_view"


def test_elasticsearch_settings_reach_both_clients():
    s = settings_with(
        ELASTICSEARCH_URL="https://es1:9200,https://es2:9200",
        ELASTICSEARCH_USERNAME="puente",
        ELASTICSEARCH_PASSWORD="pw",
        ELASTICSEARCH_CA_CERTS=__file__,
        ELASTICSEARCH_TIMEOUT="3",
    )
    assert s["es"] == {
        "hosts": ["https://es1:9200", "https://es2:9200"],
        "request_timeout": 3.0,
        "basic_auth": ["puente", "pw"],
        "verify_certs": True,
        "ca_certs": __file__,
    }
    assert s["pages"]["URLS"] == ["https://es1:9200", "https://es2:9200"]
    assert s["pages"]["TIMEOUT"] == 3.0
    assert s["pages"]["OPTIONS"] == {
        "basic_auth": ["puente", "pw"],
        "verify_certs": True,
        "ca_certs": __file__,
    }
    keyed = settings_with(ELASTICSEARCH_API_KEY="a2V5")
    assert keyed["es"]["api_key"] == "a2V5"
    assert keyed["pages"]["OPTIONS"] == {"api_key": "a2V5"}


def test_server_limits_and_logs_from_the_environment():
    s = settings_with(
        PUENTE_WS_MAX_SIZE="65536",
        UVICORN_TIMEOUT_KEEP_ALIVE="30",
        UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN="25",
        UVICORN_LIMIT_CONCURRENCY="500",
        UVICORN_BACKLOG="128",
        PUENTE_FORWARDED_ALLOW_IPS="10.0.0.0/8,127.0.0.1",
        EMAIL_USE_SSL="true",
        EMAIL_PORT="465",
        EMAIL_TIMEOUT="7",
        LOG_LEVEL="warning",
    )
    server = s["server"]
    assert server["ws_max_size"] == 65536
    assert server["timeout_keep_alive"] == 30
    assert server["timeout_graceful_shutdown"] == 25
    assert server["limit_concurrency"] == 500
    assert server["backlog"] == 128
    assert server["forwarded_allow_ips"] == "10.0.0.0/8,127.0.0.1"
    assert s["email"] == [465, False, True, 7]
    assert s["root_level"] == "WARNING"


SENTRY_CLIENT = """
import json
import django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
send = client.options.get("before_send")
print(json.dumps({
    "active": client.is_active(),
    "dsn": client.dsn,
    "environment": client.options.get("environment"),
    "release": client.options.get("release"),
    "traces": client.options.get("traces_sample_rate"),
    "django": "django" in client.integrations,
    "before_send": send and f"{send.__module__}.{send.__qualname__}",
}))
"""


def test_a_valid_sentry_dsn_initialises_the_sdk_with_the_scrubber():
    # Port 9 on the loopback: nothing listens, so nothing can leave the machine.
    dsn = "http://publickey@127.0.0.1:9/42"
    result = run_python(
        SENTRY_CLIENT,
        production_env(
            SENTRY_DSN=dsn,
            SENTRY_ENVIRONMENT="staging",
            SENTRY_RELEASE="puente@1234abc",
            SENTRY_TRACES_SAMPLE_RATE="0.25",
        ),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "active": True,
        "dsn": dsn,
        "environment": "staging",
        "release": "puente@1234abc",
        "traces": 0.25,
        "django": True,
        "before_send": "core.sentry.scrub",
    }
    unset = run_python(SENTRY_CLIENT, production_env())
    assert unset.returncode == 0, unset.stderr
    assert json.loads(unset.stdout)["active"] is False
