from django.urls import path, re_path

from workflows.pledges import views

app_name = "pledges"

urlpatterns = [
    # carriers: mobile-first pages that only ever load the visitor's own pledge
    path("moi/<str:token>/", views.invitation, name="invitation"),
    path("cua-toi/", views.my_pledges, name="my_pledges"),
    path("<uuid:public_id>/", views.pledge_detail, name="pledge"),
    path("<uuid:public_id>/trang-thai.json", views.pledge_state, name="pledge_state"),
    path("<uuid:public_id>/ky-dien-tu/", views.sign_simple, name="sign_simple"),
    path("<uuid:public_id>/ky-so/", views.sign_pkcs12, name="sign_pkcs12"),
    path("<uuid:public_id>/tai-len/", views.upload_signed, name="upload"),
    path("<uuid:public_id>/tu-choi/", views.decline, name="decline"),
    path("<uuid:public_id>/sua-thong-tin/", views.correction, name="correction"),
    path("<uuid:public_id>/tep/<slug:kind>.pdf", views.download, name="download"),
    path("<uuid:public_id>/trang-<int:page>.png", views.page_image, name="page"),
    # staff
    path("quan-ly/", views.campaigns, name="campaigns"),
    path("quan-ly/don-vi/", views.carriers, name="carriers"),
    path("quan-ly/don-vi/nhap/", views.import_carriers, name="import"),
    # exports: only their formats reach the view (anything else is the 404 page, never a header or a 500)
    re_path(r"^quan-ly/don-vi/xuat\.(?P<fmt>xlsx|csv)$", views.export_carriers, name="export_carriers"),
    path("quan-ly/chien-dich/moi/", views.campaign_create, name="campaign_create"),
    path("quan-ly/chien-dich/<slug:slug>/", views.dashboard, name="dashboard"),
    path("quan-ly/chien-dich/<slug:slug>/sua/", views.campaign_edit, name="campaign_edit"),
    path("quan-ly/chien-dich/<slug:slug>/so-lieu.json", views.dashboard_data, name="dashboard_data"),
    re_path(
        r"^quan-ly/chien-dich/(?P<slug>[-a-zA-Z0-9_]+)/xuat\.(?P<fmt>xlsx|docx|pdf)$",
        views.campaign_export,
        name="campaign_export",
    ),
    path("quan-ly/chien-dich/<slug:slug>/<slug:action>/", views.campaign_action, name="campaign_action"),
    path("quan-ly/cam-ket/<int:pk>/tep/<slug:kind>.pdf", views.staff_pledge_pdf, name="staff_pdf"),
    path("quan-ly/cam-ket/<int:pk>/<slug:action>/", views.pledge_action, name="pledge_action"),
    path("quan-ly/de-nghi/<int:pk>/<slug:action>/", views.correction_action, name="correction_action"),
]
