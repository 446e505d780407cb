"""The offices that answer consultations, as the public sees them. Their
names are reserved display names (PUENTE_RESERVED_NAMES["sources"],
accounts/names.py): nobody may sign up as "Dirección de Gobierno Abierto"."""

from consultations.models import ConsultationPage


def office_names():
    """The responsible offices of the published consultations: one query."""
    return (
        ConsultationPage.objects.live()
        .order_by()
        .values_list("responsible_office", flat=True)
        .distinct()
    )
