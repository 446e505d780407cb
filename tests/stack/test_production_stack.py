"""The production stack as users reach it: through nginx, in front of two
uvicorn app processes (`deploy/entrypoint.sh web`), a task worker and real
PostgreSQL, Redis and osmem-server (tools/stack.py; one stack for the
package, tests/stack/conftest.py)."""

import html
import json
import re
import signal
import subprocess
import time
import uuid

import pytest
import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tools.services import free_port
from tools.stack import ENTRYPOINT, NGINX_TEMPLATE, ROOT, Process, render_template

pytestmark = pytest.mark.e2e

PASSWORD = "una-contraseña-de-prueba-larga"
SEED = f"""
PASSWORD = {PASSWORD!r}
import json
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from accounts.models import User
from accounts.roles import CITIZEN
from consultations.models import ConsultationPage
from demo.loader import accept_current_policies, load_demo
from django.utils import timezone

load_demo()
user = User.objects.create_user(
    email="vecina@example.com", password=PASSWORD, display_name="Vecina de Prueba"
)
user.groups.add(Group.objects.get(name=CITIZEN))
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
accept_current_policies(user)
now = timezone.now()
page = next(
    p for p in ConsultationPage.objects.live().specific().order_by("pk")
    if p.status_at(now) == "open" and p.questions.exists()
)
print(json.dumps({{
    "id": page.pk, "path": page.url, "title": page.title,
    "question": page.questions.first().pk,
}}))
"""


@pytest.fixture(scope="module")
def demo_site(stack):
    """The demo's consultations and one citizen who can sign in."""
    done = stack.manage("shell", "-c", SEED, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def signed_in(stack):
    """A session signed in through nginx with allauth's form and its CSRF token."""
    session = stack.session()
    login = f"{stack.url}/accounts/login/"
    page = session.get(login)
    assert page.status_code == 200
    token = session.cookies["csrftoken"]
    answer = session.post(
        login,
        data={"csrfmiddlewaretoken": token, "login": "vecina@example.com", "password": PASSWORD},
        headers={"Referer": login},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:2000]
    assert "sessionid" in session.cookies
    return session


def app_request_lines(stack):
    """The request log's JSON lines of both app processes."""
    lines = []
    for app in stack.apps:
        for line in stack.logs(app.name).splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("logger") == "puente.request":
                    lines.append(record)
    return lines


def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            return result
        time.sleep(0.1)
    return result


def test_nginx_accepts_the_server_block_the_docs_give(stack):
    rendered = stack.render_nginx()
    assert not re.search(r"\$\{PUENTE_[A-Z]", rendered)
    assert "server 127.0.0.1:" in rendered
    tested = subprocess.run(stack.nginx_command("-t"), capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    assert "syntax is ok" in tested.stderr


def test_a_template_value_left_out_is_an_error_not_an_empty_string():
    values = {
        "PUENTE_UPSTREAM_SERVERS": "server app:8000;",
        "PUENTE_LISTEN": "8080",
        "PUENTE_SERVER_NAME": "consulta.example",
        "PUENTE_STATIC_ROOT": "/srv/puente/staticfiles",
        "PUENTE_MEDIA_ROOT": "/srv/puente/media",
        "PUENTE_CLIENT_MAX_BODY_SIZE": "25m",
    }
    with pytest.raises(ValueError, match="PUENTE_TLS_INCLUDE"):
        render_template(NGINX_TEMPLATE.read_text(), values)
    rendered = render_template(
        NGINX_TEMPLATE.read_text(), {**values, "PUENTE_TLS_INCLUDE": "/etc/nginx/no-tls.conf"}
    )
    # nginx's own variables are left for nginx.
    assert "$http_upgrade" in rendered and "$request_id" in rendered


def test_ready_through_nginx_reveals_no_hosts_or_versions(stack):
    answer = requests.get(f"{stack.url}/health/ready", timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["status"] == "ok"
    assert answer.headers["Server"] == "nginx"  # server_tokens off: no version
    body = answer.text
    for secret in (
        stack.env["SECRET_KEY"],
        stack.env["DATABASE_URL"],
        stack.env["REDIS_URL"].split("//")[1].split("/")[0],
        stack.env["ELASTICSEARCH_URL"].split("//")[1],
        "127.0.0.1",
        "postgres",
    ):
        assert secret not in body
    assert not re.search(r"\b\d+\.\d+\.\d+\b", body), body  # no version numbers
    live = requests.get(f"{stack.url}/health/live", timeout=10)
    assert live.status_code == 200 and live.json()["status"] == "ok"


def test_each_app_process_is_ready_on_its_own_port(stack):
    assert len({app.pid for app in stack.apps}) == 2
    for app in stack.apps:
        assert requests.get(f"{app.url}/health/ready", timeout=10).status_code == 200


def test_home_and_consultation_pages_through_nginx(stack, demo_site):
    home = requests.get(f"{stack.url}/", timeout=30)
    assert home.status_code == 200
    assert "<html" in home.text
    page = requests.get(f"{stack.url}{demo_site['path']}", timeout=30)
    assert page.status_code == 200
    assert html.escape(demo_site["title"]) in page.text
    # Every request gets nginx's request id, echoed by the app.
    assert re.fullmatch(r"[0-9a-f]{32}", page.headers["X-Request-ID"])
    # nginx writes its access line after the response is sent: wait for it.
    rid = f"rid={page.headers['X-Request-ID']}"
    assert eventually(lambda: rid in stack.logs("nginx-access")), stack.logs("nginx-access")


def test_static_files_from_nginx_hashed_ones_cached_for_a_year(stack):
    static = stack.tmp / "static" / "js"
    hashed = next(p.name for p in static.iterdir() if re.search(r"\.[0-9a-f]{12}\.js$", p.name))
    plain = re.sub(r"\.[0-9a-f]{12}\.js$", ".js", hashed)
    answer = requests.get(f"{stack.url}/static/js/{hashed}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Type"] == "application/javascript"
    assert answer.headers["Content-Encoding"] == "gzip"  # collectstatic's .gz, as is
    assert answer.content == (static / hashed).read_bytes()
    unhashed = requests.get(f"{stack.url}/static/js/{plain}", timeout=10)
    assert unhashed.headers["Cache-Control"] == "public, max-age=3600"
    # Served by nginx, not the app: no app request line for it.
    assert not any(
        record.get("path", "").startswith("/static/") for record in app_request_lines(stack)
    )
    assert requests.get(f"{stack.url}/media/documents/x.pdf", timeout=10).status_code == 404


def test_sign_in_and_post_a_comment_through_nginx(stack, demo_site):
    session = signed_in(stack)
    page_url = f"{stack.url}{demo_site['path']}"
    page = session.get(page_url)
    assert "Vecina de Prueba" in page.text
    token = session.cookies["csrftoken"]
    text = f"Comentario del stack {uuid.uuid4().hex[:8]}: más banquetas, por favor."
    posted = session.post(
        f"{stack.url}/comentarios/consultas/{demo_site['id']}/comentar/",
        data={"csrfmiddlewaretoken": token, "question": demo_site["question"], "body": text},
        headers={"Referer": page_url},
        allow_redirects=False,
    )
    assert posted.status_code == 302, posted.text[:2000]
    listed = requests.get(
        f"{stack.url}/api/v1/consultations/{demo_site['id']}/comments/", timeout=30
    ).json()
    assert text in json.dumps(listed, ensure_ascii=False)
    assert text in requests.get(page_url, timeout=30).text


def test_a_body_over_the_limit_is_refused_by_nginx_before_the_app(stack, demo_site):
    marker = uuid.uuid4().hex
    # A request the app did see is in its log (the path, never the query).
    seen = f"/comentarios/consultas/{demo_site['id']}/comentar/"
    requests.post(f"{stack.url}{seen}", data=b"x", timeout=30)
    assert eventually(
        lambda: any(record.get("path") == seen for record in app_request_lines(stack))
    )

    too_big = f"/comentarios/consultas/{demo_site['id']}/comentar/{marker}/"
    body = b"x" * (25 * 1024 * 1024 + 1)
    try:
        answer = requests.post(f"{stack.url}{too_big}", data=body, timeout=60)
        status = answer.status_code
    except requests.ConnectionError:
        status = None  # nginx may close while the body is still being sent
    assert status in (413, None)
    assert marker not in "".join(stack.logs(app.name) for app in stack.apps)
    assert not any(marker in record.get("path", "") for record in app_request_lines(stack))
    # nginx logs it once the connection is done (it may linger to drain the body).
    refused = re.compile(rf"POST {re.escape(too_big)} HTTP/1.1\" 413 \d+ rid=\w+ upstream=- ")
    assert eventually(lambda: refused.search(stack.logs("nginx-access")))


def test_a_websocket_message_over_the_limit_is_refused_by_uvicorn(stack, demo_site):
    limit = 16 * 1024  # core.sockets.MAX_FRAME_BYTES, through PUENTE_SERVER
    uri = f"ws://127.0.0.1:{stack.port}/ws/consultations/{demo_site['id']}/"
    with connect(uri, origin=stack.url, open_timeout=30) as socket:
        socket.send(json.dumps({"type": "nonsense", "pad": "x" * 1000}))
        answer = json.loads(socket.recv(timeout=30))
        assert answer["type"] == "error"  # the app read it and the socket stays open
        socket.send("x" * (limit + 1))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                socket.recv(timeout=30)
    # uvicorn answers 1009 (message too big) and closes with the rest of the
    # frame unread, so its kernel may reset the connection: nginx then ends
    # the client's without relaying the close frame. Either way the socket
    # ended at that message (the code itself is tested against uvicorn
    # directly in tests/core/test_socket_limits.py).
    if closed.value.rcvd is not None:
        assert closed.value.rcvd.code == 1009


def test_the_tls_include_serves_https_and_the_app_knows_it(stack):
    """The same server block with `listen ... ssl` and deploy/nginx/tls.conf
    (its certificate paths pointed at a self-signed pair), a second nginx in
    front of the same app processes."""
    prefix = stack.tmp / "nginx-tls"
    prefix.mkdir()
    cert, key = prefix / "fullchain.pem", prefix / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    shipped = (ROOT / "deploy" / "nginx" / "tls.conf").read_text()
    ours = shipped.replace("/etc/ssl/puente/fullchain.pem", str(cert))
    ours = ours.replace("/etc/ssl/puente/privkey.pem", str(key))
    assert str(cert) in ours and str(key) in ours and "/etc/ssl" not in ours
    (prefix / "tls.conf").write_text(ours)
    port = free_port()
    (prefix / "puente.conf").write_text(
        stack.render_nginx(listen=f"127.0.0.1:{port} ssl", tls_include=prefix / "tls.conf")
    )
    (prefix / "nginx.conf").write_text(stack.nginx_main_config(prefix, name="nginx-tls"))
    command = stack.nginx_command("-g", "daemon off;", prefix=prefix, name="nginx-tls")
    nginx = Process(stack, "nginx-tls", command, stop_signal=signal.SIGQUIT)
    nginx.start(wait=False)
    try:
        url = f"https://127.0.0.1:{port}"

        def ready():
            try:
                return requests.get(f"{url}/health/ready", verify=str(cert), timeout=5)
            except requests.ConnectionError:
                return None

        answer = eventually(ready)
        assert answer is not None, stack.logs("nginx-tls")
        assert answer.status_code == 200
        # X-Forwarded-Proto: the app builds https addresses on it.
        robots = requests.get(f"{url}/robots.txt", verify=str(cert), timeout=30)
        assert f"Sitemap: {url}/sitemap.xml" in robots.text
        # Plain HTTP to the TLS port is refused by nginx.
        plain = requests.get(f"http://127.0.0.1:{port}/health/live", timeout=10)
        assert plain.status_code == 400
    finally:
        nginx.stop()


def test_release_runs_again_on_a_running_site(stack):
    done = stack.run_entrypoint("release")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No migrations to apply" in done.stdout


def test_the_entrypoint_refuses_an_unknown_role():
    done = subprocess.run([str(ENTRYPOINT), "webb"], capture_output=True, text=True)
    assert done.returncode == 64
    assert "unknown role 'webb'" in done.stderr
    assert "usage:" in done.stderr
    done = subprocess.run([str(ENTRYPOINT), "manage"], capture_output=True, text=True)
    assert done.returncode == 64
    assert "manage needs a command" in done.stderr


# The bench's checks, then the scenarios (live threads across processes,
# killed processes, the image, the restore drill: destructive, last), on
# this module's stack and in this order. Imported rather than collected from
# their own files so that the whole package runs on one stack: pytest-xdist
# (--dist loadfile) could hand separate files to separate workers, each
# starting a stack of its own.
from tests.stack.bench_checks import (  # noqa: E402, I001 (in running order)
    seeded,
    test_seed_makes_the_discussion_and_signed_in_writers,
    test_readers_and_writers_through_nginx_lose_no_write,
    test_a_refused_post_is_an_error_and_a_rate_limited_one_is_not,
    test_bad_options_stop_before_any_stack_starts,
)
from tests.stack.scenarios import (  # noqa: E402, I001 (in running order)
    loop_thread,
    site,
    test_a_comment_reaches_clients_on_both_app_processes_through_nginx,
    test_killing_an_app_process_loses_no_live_comment,
    test_killing_the_worker_loses_no_indexing,
    test_an_image_uploaded_to_one_process_is_rendered_by_the_other,
    test_backup_and_restore_refuse_bad_input_and_touch_nothing,
    test_the_restore_drill_brings_back_the_same_site,
)

__all__ = [
    "loop_thread",
    "seeded",
    "site",
    "test_seed_makes_the_discussion_and_signed_in_writers",
    "test_readers_and_writers_through_nginx_lose_no_write",
    "test_a_refused_post_is_an_error_and_a_rate_limited_one_is_not",
    "test_bad_options_stop_before_any_stack_starts",
    "test_a_comment_reaches_clients_on_both_app_processes_through_nginx",
    "test_killing_an_app_process_loses_no_live_comment",
    "test_killing_the_worker_loses_no_indexing",
    "test_an_image_uploaded_to_one_process_is_rendered_by_the_other",
    "test_backup_and_restore_refuse_bad_input_and_touch_nothing",
    "test_the_restore_drill_brings_back_the_same_site",
]
