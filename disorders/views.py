from django.views.generic import DetailView

from disorders.models import Classification, Disorder


class DisorderDetailView(DetailView):
    def get_queryset(self):
        return Disorder.objects.visible_to(self.request.user)


class ClassificationDetailView(DetailView):
    model = Classification
