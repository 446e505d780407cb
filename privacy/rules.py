"""Who may read the ARCO audit log: the transparency unit, that is
superusers and anyone given the `privacy.view_arcorequest` permission."""


def can_read_arco_log(user):
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm("privacy.view_arcorequest"))
    )
