"""Websocket routes; each app's consumers are added here as they land."""

from comments.routing import websocket_urlpatterns as comment_routes

websocket_urlpatterns = [*comment_routes]
