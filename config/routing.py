"""Websocket routes; each app's consumers are added here as they land."""

from comments.routing import websocket_urlpatterns as comment_routes
from moderation.routing import websocket_urlpatterns as moderation_routes
from notifications.routing import websocket_urlpatterns as notification_routes

websocket_urlpatterns = [*comment_routes, *notification_routes, *moderation_routes]
