from django.urls import re_path

from comments.consumers import ConsultationConsumer

websocket_urlpatterns = [
    # Any run of digits reaches the consumer, which answers an id out of
    # range as it answers an unknown one (close 4404); a route that did not
    # match would fail the handshake with a server error instead.
    re_path(
        r"^ws/consultations/(?P<consultation_id>[0-9]{1,40})/$", ConsultationConsumer.as_asgi()
    ),
]
