"""Media on an S3-compatible bucket (PUENTE_MEDIA_S3_BUCKET), against a real
S3-API server: moto's `moto_server`, in a process and a virtualenv of its
own (.venv/s3server: moto imports a library called `responses`, the name of
one of our apps, so it is kept out of the project's virtualenv). The
production settings run in a subprocess against the test database;
documents are still served by Wagtail's view, after its privacy check,
never by a redirect to the bucket."""

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import database_url_for, free_port
from tests.production_helpers import ROOT, production_env, run_python
from tools.services import _die_with_parent

pytestmark = pytest.mark.postgres_only

BUCKET = "puente-media"
KEY_ID = "puente-test-key"
SECRET = "puente-test-secret-0123456789"


@pytest.fixture
def s3_server(tmp_path):
    # tools/test.sh installs moto in a virtualenv of its own (requirements-s3server.txt).
    moto = Path(os.environ.get("PUENTE_S3_SERVER") or ROOT / ".venv/s3server/bin/moto_server")
    assert moto.exists(), f"{moto} is missing: run make test, or see requirements-s3server.txt"
    port = free_port()
    log = open(tmp_path / "moto.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "moto_server did not start: " + (tmp_path / "moto.log").read_text()
                    ) from None
                time.sleep(0.2)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


SCRIPT = """
import json, urllib.request
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from django.core.files.storage import storages
found = {"storage": type(storages["default"]).__name__}
name = default_storage.save("probe/hola.txt", ContentFile(b"hola desde S3"))
found["name"] = name
found["read_back"] = default_storage.open(name).read().decode()
found["url"] = default_storage.url(name)
with urllib.request.urlopen(found["url"], timeout=10) as answer:
    found["fetched"] = answer.read().decode()
found["second_name"] = default_storage.save("probe/hola.txt", ContentFile(b"otra"))

root = Collection.get_first_root_node() or Collection.add_root(name="Root")
private = root.add_child(name="Privada")
CollectionViewRestriction.objects.create(collection=private, restriction_type="login")
Document = get_document_model()
public = Document.objects.create(
    title="Pública", file=ContentFile(b"documento publico", name="publico.txt"), collection=root
)
secret = Document.objects.create(
    title="Privada", file=ContentFile(b"documento privado", name="privado.txt"), collection=private
)
found["document_name"] = secret.file.name

def get(client, document):
    response = client.get(document.url, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [response.status_code, response.get("Location", ""), body.decode(errors="replace")]

anonymous = Client(HTTP_HOST="consulta.municipio.example")
found["anonymous_public"] = get(anonymous, public)
found["anonymous_private"] = get(anonymous, secret)
member = Client(HTTP_HOST="consulta.municipio.example")
member.force_login(get_user_model().objects.create_user(email="lectora@example.com"))
found["member_private"] = get(member, secret)
print(json.dumps(found))
"""


def test_media_and_documents_on_an_s3_compatible_server(s3_server, transactional_db):
    from django.db import connection

    env = production_env(
        DATABASE_URL=database_url_for(connection),
        ELASTICSEARCH_URL=None,
        PUENTE_MEDIA_S3_BUCKET=BUCKET,
        PUENTE_MEDIA_S3_ENDPOINT_URL=s3_server,
        PUENTE_MEDIA_S3_REGION="us-east-1",
        PUENTE_MEDIA_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID=KEY_ID,
        AWS_SECRET_ACCESS_KEY=SECRET,
    )
    result = run_python(SCRIPT, env)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert found["storage"] == "S3Storage"
    assert found["read_back"] == "hola desde S3"
    # A signed, expiring URL on the configured endpoint, that the server honours.
    assert found["url"].startswith(f"{s3_server}/{BUCKET}/probe/hola"), found["url"]
    assert "X-Amz-Signature=" in found["url"] or "Signature=" in found["url"]
    assert found["fetched"] == "hola desde S3"
    # file_overwrite=False: a second upload with the same name gets its own.
    assert found["second_name"] != found["name"]

    # Documents: streamed by Wagtail's serve view from the bucket, after the
    # collection's privacy check.
    status, location, body = found["anonymous_public"]
    assert (status, body) == (200, "documento publico"), found["anonymous_public"]
    assert s3_server not in location
    status, location, body = found["anonymous_private"]
    assert status == 302
    assert "login" in location or "entrar" in location, location
    assert s3_server not in location
    assert "documento privado" not in body
    status, location, body = found["member_private"]
    assert (status, body) == (200, "documento privado"), found["member_private"]

    # The objects really are in the bucket.
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    keys = {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {found["name"], found["second_name"], found["document_name"]} <= keys
