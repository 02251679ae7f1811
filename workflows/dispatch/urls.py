from django.urls import path

from . import batch_views, views
from .flows import DispatchFlow

app_name = "dispatch"
urlpatterns = [
    path("", views.task_list, {"flow_class": DispatchFlow}, name="tasks"),
    path("viec/<int:task_pk>/nhan/", views.take_task, name="take"),
    path("hop-thu/", views.inbox, name="inbox"),
    path("hop-thu/<int:recipient_pk>/", views.inbox_item, name="inbox_item"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ban/<int:revision_pk>/", views.download_revision, name="revision"),
    path("<int:pk>/ban/<int:revision_pk>/trang-<int:page>.png", views.revision_page, name="revision_page"),
    path("<int:pk>/phu-luc/<int:attachment_pk>/", views.download_attachment, name="attachment"),
    path("<int:pk>/edxml/<int:recipient_pk>/", views.edxml_package, name="edxml"),
    path("<int:pk>/ky-hai-buoc/", views.external_sign, name="external_sign"),
    path("hang-loat/ky-so/", batch_views.BatchSignView.as_view(), name="batch_sign"),
    path("hang-loat/cap-so/", batch_views.BatchNumberView.as_view(), name="batch_number"),
    path("hang-loat/dong-dau/", batch_views.BatchSealView.as_view(), name="batch_seal"),
]
