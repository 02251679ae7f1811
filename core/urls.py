from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("xac-thuc-lai/", views.reauthenticate, name="reauth"),
    path("ma-xac-thuc/", views.second_factor_code, name="second_factor"),
    path("ma-xac-thuc/dang-ky/", views.enrol, name="enrol"),
    path("ma-du-phong/", views.recovery_codes, name="recovery_codes"),
]
