from django.urls import path

from . import recall_views, views

app_name = "incoming"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("vao-so/", views.register, name="register"),
    path("so/", views.register_book, name="register_book"),
    path("so-theo-doi/", views.tracking_book, name="tracking_book"),
    path("viec/<int:task_pk>/nhan/", views.take, name="take"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/tep/", views.download, name="download"),
    path("<int:pk>/y-kien/", views.add_opinion, name="opinion"),
    path("<int:pk>/phieu-giai-quyet/", views.slip, name="slip"),
    path("<int:pk>/thu-hoi/<int:recall_pk>/", recall_views.recall, name="recall"),
    path("<int:pk>/gia-han/", views.request_extension, name="extension"),
    path("<int:pk>/gia-han/quyet-dinh/", views.decide_extension, name="extension_decision"),
    path("<int:pk>/mo/", views.open_document, name="open"),
]
