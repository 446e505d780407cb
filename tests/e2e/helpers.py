"""Plain helpers for the browser tests: people who can sign in, signing in,
waiting for a page's live connection, and actions run outside Playwright's
event loop thread."""

import threading

from allauth.account.models import EmailAddress
from django.db import connection

from accounts import consent
from tests.factories import UserFactory

# The password UserFactory gives everyone.
PASSWORD = "contraseña-segura-123"


def verified_user(email, name, *roles):
    """A user with a verified e-mail address, so that they can sign in, who
    accepted the terms published so far (as signing up does)."""
    user = UserFactory(email=email, display_name=name, roles=list(roles))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    versions = consent.current_versions()
    if versions:
        consent.record(user, versions)
    return user


def sign_in(tab, base_url, email):
    tab.goto(base_url + "/accounts/login/")
    tab.fill("input[name=login]", email)
    tab.fill("input[name=password]", PASSWORD)
    tab.locator("main form button[type=submit]").click()
    tab.wait_for_url(lambda url: "/accounts/login/" not in url)


def wait_live(tab):
    """Until the consultation page's live connection is open."""
    tab.wait_for_selector('#live-config[data-state="open"]', state="attached", timeout=10_000)


def in_thread(function, *args, **kwargs):
    """An action run outside Playwright's event loop thread, as a request
    would run it (its events are published with async_to_sync)."""
    results, errors = [], []

    def target():
        try:
            results.append(function(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - re-raised below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]
