from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from administration import permissions as settings_rules
from tickets.models import AccessCode
from tickets.qr import access_code_url, qr_png, qr_svg


@require_GET
@login_required
def access_code_qr(request, pk: int, fmt: str):
    """The QR code of an access code as SVG (screen, print) or PNG (download). It carries the code's
    address, which makes its holder a code user: shown to those who may read the codes in the
    settings (the same rule as the settings pages and the API's access codes), never to every
    Mitarbeiter, who choose a ticket's code by its label only."""
    if not settings_rules.may(request.user, "codes"):
        raise PermissionDenied
    code = get_object_or_404(AccessCode, pk=pk)
    url = access_code_url(code, request)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="leitstand-code-{code.pk}.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response
