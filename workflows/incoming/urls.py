from django.urls import path

from . import views

app_name = "incoming"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("vao-so/", views.register, name="register"),
    path("so/", views.register_book, name="register_book"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/tep/", views.download, name="download"),
]
