"""The limit bench/fanout measures Puente against: a minimal `websockets`
broadcast server in a process of its own.

    python -m bench.fanout_raw '{"port": 8765, "redis_url": "redis://...",
                                 "channel": "bench-raw", "compression": "deflate"}'

It accepts websockets on the path Puente uses (`/ws/consultations/<id>/`),
subscribes to one Redis pub/sub channel and writes every message published
there to every connected socket as it is (websockets' `broadcast`: one
frame encoded once, no back-pressure). The poster publishes the same event
JSON Puente's `core.live.publish` sends, so both latency clocks start at the
same call. It also answers the catch-up of a socket that says its cursor
(`/ws/consultations/<id>/?after=<cursor>`: one `live.catch_up` frame first)
and Puente's JSON API (`GET /api/v1/consultations/<id>/comments/?after=`)
from the events it has broadcast, in memory, so the reconnect storm has the
same shape.

It prints one JSON line, {"event": "ready"}, once it listens and is
subscribed, and runs until SIGTERM.
"""

import asyncio
import json
import re
import signal
import sys
from urllib.parse import parse_qs, urlsplit

WS_PATH = re.compile(r"^/ws/consultations/[0-9]{1,40}/$")
API_PATH = re.compile(r"^/api/v1/consultations/[0-9]{1,40}/comments/$")
PAGE = 500  # as comments.api.CHANGES_LIMIT


async def serve(options):
    import redis.asyncio as aioredis
    from websockets.asyncio.server import broadcast
    from websockets.asyncio.server import serve as ws_serve

    sockets = set()
    history = []  # (cursor, comment id), in the order broadcast

    async def handler(ws):
        if not WS_PATH.match(urlsplit(ws.request.path).path):
            await ws.close(4404)
            return
        # A reconnecting client that says its cursor gets what it missed
        # first, as from Puente (comments/catch_up.py).
        after = parse_qs(urlsplit(ws.request.path).query).get("after")
        if after:
            await ws.send(json.dumps({"type": "live.catch_up", **changes_after(int(after[0]))}))
        sockets.add(ws)
        try:
            async for _frame in ws:  # what clients send is read and dropped
                pass
        except Exception:  # noqa: S110 - a client that went away
            pass
        finally:
            sockets.discard(ws)

    def changes_after(after):
        changed = [(c, i) for c, i in history if c > after][:PAGE]
        cursor = history[-1][0] if history else 0
        return {
            "results": [{"id": i} for _c, i in changed],
            "next_cursor": changed[-1][0] if len(changed) == PAGE else max(cursor, after),
        }

    def process_request(connection, request):
        parts = urlsplit(request.path)
        if WS_PATH.match(parts.path):
            return None  # the websocket handshake
        if not API_PATH.match(parts.path):
            return connection.respond(404, "not found\n")
        try:
            after = int(parse_qs(parts.query)["after"][0])
        except (KeyError, ValueError):
            return connection.respond(400, "after=<cursor> required\n")
        return connection.respond(200, json.dumps({**changes_after(after), "next": None}))

    client = aioredis.Redis.from_url(options["redis_url"])
    pubsub = client.pubsub()
    await pubsub.subscribe(options["channel"])
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with ws_serve(
        handler,
        "127.0.0.1",
        options["port"],
        process_request=process_request,
        compression=options.get("compression"),
        max_size=options.get("max_size", 16 * 1024),
        ping_interval=20,
        ping_timeout=20,
        backlog=2048,
        server_header=None,
    ):
        sys.stdout.write(json.dumps({"event": "ready"}) + "\n")
        sys.stdout.flush()

        async def relay():
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                text = message["data"].decode()
                broadcast(sockets, text)
                event = json.loads(text)
                comment = event.get("comment") or {}
                history.append((event.get("cursor"), comment.get("id")))

        relaying = asyncio.create_task(relay())
        await stop
        relaying.cancel()
    await client.aclose()


def main(argv):
    options = json.loads(argv[0])
    try:
        import uvloop

        uvloop.run(serve(options))
    except ImportError:
        asyncio.run(serve(options))


if __name__ == "__main__":
    main(sys.argv[1:])
