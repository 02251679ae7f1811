from django.urls import path

from templates_docs import views

app_name = "templates_docs"
urlpatterns = [
    path("so-van-ban-di/", views.OutgoingRegisterView.as_view(), name="register"),
]
