"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from core.request_log import RequestLog, websocket_user  # noqa: E402
from core.socket_auth import SocketAuthMiddlewareStack  # noqa: E402
from core.socket_limits import SocketLimits  # noqa: E402

# RequestLog: the request id and one log line per request and per socket
# (core/request_log.py), around everything, refusals included.
# SocketAuthMiddlewareStack: Channels' AuthMiddlewareStack in one sync-thread
# trip, none without a session cookie (core/socket_auth.py).
# SocketLimits: open sockets per address and per person, idle sockets closed
# (core/socket_limits.py), before any consumer runs.
application = RequestLog(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(
                SocketAuthMiddlewareStack(
                    websocket_user(SocketLimits(URLRouter(websocket_urlpatterns)))
                )
            ),
        }
    )
)
