"""Redis through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_MASTER): a real
redis-server and a real sentinel monitoring it, both with passwords; the
production settings in a subprocess reach the master through the sentinel for
the cache and for the channel layer."""

import json
import subprocess
import time

import pytest
import redis

from tests.e2e.conftest import free_port
from tests.production_helpers import production_env, run_python
from tools.services import _die_with_parent

pytestmark = pytest.mark.postgres_only

MASTER = "puente-master"
MASTER_PASSWORD = "master-pass-123"
SENTINEL_PASSWORD = "sentinel-pass-456"


def spawn(args, cwd, log):
    return subprocess.Popen(
        args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )


def wait_for(check, what, processes, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            raise AssertionError(f"{what} did not start")
        time.sleep(0.1)


@pytest.fixture
def sentinel(tmp_path):
    master_port, sentinel_port = free_port(), free_port()
    (tmp_path / "sentinel.conf").write_text(
        f"port {sentinel_port}\n"
        "bind 127.0.0.1\n"
        f"dir {tmp_path}\n"
        f"requirepass {SENTINEL_PASSWORD}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 1\n"
        f"sentinel auth-pass {MASTER} {MASTER_PASSWORD}\n"
        f"sentinel down-after-milliseconds {MASTER} 5000\n"
    )
    log = open(tmp_path / "redis.log", "wb")  # noqa: SIM115 - closed below
    processes = []
    try:
        processes.append(
            spawn(
                [
                    "redis-server",
                    "--port",
                    str(master_port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--requirepass",
                    MASTER_PASSWORD,
                ],
                tmp_path,
                log,
            )
        )
        master = redis.Redis(port=master_port, password=MASTER_PASSWORD)
        wait_for(master.ping, "redis-server", processes)
        processes.append(
            spawn(["redis-server", str(tmp_path / "sentinel.conf"), "--sentinel"], tmp_path, log)
        )
        watcher = redis.Redis(port=sentinel_port, password=SENTINEL_PASSWORD)
        wait_for(
            lambda: watcher.execute_command("SENTINEL", "get-master-addr-by-name", MASTER),
            "redis sentinel",
            processes,
        )
        yield {"sentinel_port": sentinel_port, "master": master}
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


SCRIPT = """
import asyncio, json
import django
django.setup()
from channels.layers import get_channel_layer
from django.core.cache import cache

found = {}
cache.set("sentinel-probe", {"hola": "mundo"}, 60)
found["cache"] = cache.get("sentinel-probe")

async def round_trip():
    layer = get_channel_layer()
    receiver = await layer.new_channel()
    await layer.group_add("consultation-1", receiver)
    await layer.group_send("consultation-1", {"type": "comment.new", "id": 7})
    message = await asyncio.wait_for(layer.receive(receiver), 10)
    await layer.group_discard("consultation-1", receiver)
    await layer.flush()
    return message

found["message"] = asyncio.run(round_trip())
print(json.dumps(found))
"""


def test_cache_and_channel_layer_through_sentinel(sentinel):
    env = production_env(
        REDIS_URL=None,
        REDIS_SENTINELS=f"127.0.0.1:{sentinel['sentinel_port']}",
        REDIS_SENTINEL_MASTER=MASTER,
        REDIS_PASSWORD=MASTER_PASSWORD,
        REDIS_SENTINEL_PASSWORD=SENTINEL_PASSWORD,
        REDIS_DB="3",
    )
    result = run_python(SCRIPT, env)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["cache"] == {"hola": "mundo"}
    assert found["message"] == {"type": "comment.new", "id": 7}
    # The cache wrote to the master, in the database it was given.
    master = sentinel["master"]
    master.execute_command("SELECT", 3)
    assert master.exists(":1:sentinel-probe") == 1


def test_a_wrong_sentinel_password_fails_loudly(sentinel):
    env = production_env(
        REDIS_URL=None,
        REDIS_SENTINELS=f"127.0.0.1:{sentinel['sentinel_port']}",
        REDIS_SENTINEL_MASTER=MASTER,
        REDIS_PASSWORD=MASTER_PASSWORD,
        REDIS_SENTINEL_PASSWORD="wrong",
    )
    result = run_python(SCRIPT, env)
    assert result.returncode != 0
    assert "MasterNotFoundError" in result.stderr or "AuthenticationError" in result.stderr
