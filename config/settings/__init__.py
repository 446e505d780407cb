"""Settings package.

How the modules compose: ``base`` holds everything shared and reads nothing
from the environment except optional service URLs; ``dev`` (the default of
manage.py: embedded SQLite, in-memory channel layer, database search,
console e-mail), ``test`` (services from DATABASE_URL / REDIS_URL /
ELASTICSEARCH_URL when the test command started them, locmem e-mail) and
``production`` (everything from the environment, hardened) each start with
``from .base import *`` and override only what differs.
"""
