"""The clerk's answer to a sender's recall of a document being handled: one confirmation page, acting on POST."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.reauth import require_recent_authentication

from . import selectors
from .errors import IncomingError
from .forms import RecallDecisionForm
from .models import RecallRequest
from .services.recall import decide_recall


@login_required
@permission_required(selectors.REGISTER_PERMISSION, raise_exception=True)
@require_recent_authentication  # withdrawing a registered document, like registering one
def recall(request: HttpRequest, pk: int, recall_pk: int) -> HttpResponse:
    recall = get_object_or_404(RecallRequest.objects.select_related("document"), pk=recall_pk, document_id=pk)
    form = RecallDecisionForm(request.POST or None)
    if request.method == "POST" and recall.state == RecallRequest.State.PENDING and form.is_valid():
        accept = form.cleaned_data["decision"] == RecallDecisionForm.ACCEPT
        try:
            decide_recall(recall=recall, accept=accept, user=request.user, note=form.cleaned_data["note"])
        except IncomingError as exc:
            messages.error(request, exc.message)
        else:
            if accept:  # withdrawn: the document's page is gone with it, the recall's page stays
                messages.success(
                    request, _("Đã đồng ý thu hồi: văn bản đã rút khỏi danh sách và sổ, bên gửi được báo.")
                )
                return redirect("incoming:list")
            messages.success(request, _("Đã từ chối thu hồi, bên gửi được báo."))
        return redirect("incoming:detail", pk)
    return render(request, "incoming/recall.html", {"recall": recall, "document": recall.document, "form": form})
