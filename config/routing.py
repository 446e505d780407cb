"""Websocket routes; each app's consumers are added here as they land."""

websocket_urlpatterns = []
