from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from tickets.models import AccessCode
from tickets.qr import access_code_url, qr_png, qr_svg


@require_GET
@login_required
@permission_required("tickets.view_accesscode", raise_exception=True)
def access_code_qr(request, pk: int, fmt: str):
    """The QR code of an access code as SVG (screen, print) or PNG (download)."""
    code = get_object_or_404(AccessCode, pk=pk)
    url = access_code_url(code, request)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="leitstand-code-{code.pk}.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response
