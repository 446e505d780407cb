from django.utils.functional import SimpleLazyObject


def navigation(request):
    """The consultation list for the main navigation, wherever editors put it."""
    from consultations.models import ConsultationIndexPage

    return {
        "consultation_index": SimpleLazyObject(
            lambda: ConsultationIndexPage.objects.live().public().first()
        )
    }
