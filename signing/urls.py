from django.urls import path

from signing import views

app_name = "signing"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("pki/ocsp/", views.dev_ocsp, name="dev_ocsp"),
    path("pki/crl/<slug:ca>.crl", views.dev_crl, name="dev_crl"),
    path("pki/tsa/", views.dev_tsa, name="dev_tsa"),
    path("pki/root.crt", views.dev_root, name="dev_root"),
    path("pki/ca/<slug:ca>.crt", views.dev_ca_cert, name="dev_ca_cert"),
    path("<slug:code>/", views.record, name="record"),
]
