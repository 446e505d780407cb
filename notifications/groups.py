"""Who receives a person's live events: the one function that names their
group. Only that person's own socket joins it (notifications/consumers.py)."""


def person_group(user_id):
    return f"person-{int(user_id)}"
