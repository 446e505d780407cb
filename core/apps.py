from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Puente core"

    def ready(self):
        # Before any URL module (HTTP or websocket routes) is imported.
        from core import urls

        urls.register()
