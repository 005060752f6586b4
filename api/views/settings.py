"""The settings area over the API: ticket templates (every staff member reads the active ones;
who may see the settings' templates reads all; administrators write) and access codes (for who
may see them in the settings; creating and changing as the roles allow), with their QR codes."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound as DrfNotFound
from rest_framework.response import Response

from administration import permissions as settings_rules
from api.serializers.common import parse
from api.pagination import StableCursorPagination
from api.serializers import settings as serializers
from tickets import selectors, services
from tickets.qr import access_code_url, qr_png, qr_svg
from tickets.services.support import UNSET




ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
FIELD_ID = OpenApiParameter("field_id", int, OpenApiParameter.PATH)


class ByName(StableCursorPagination):
    ordering = ("name", "id")


class ByLabel(StableCursorPagination):
    ordering = ("label", "id")


@extend_schema_view(
    list=extend_schema(summary="Ticket templates", description="The active templates; with the settings' right to see templates, every one."),
    retrieve=extend_schema(summary="A ticket template", parameters=[ID]),
)
class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.TemplateSerializer
    pagination_class = ByName
    filter_backends: list = []
    lookup_value_regex = "[0-9]{1,9}"

    def get_queryset(self):
        if settings_rules.may(self.request.user, "templates"):
            return selectors.templates_overview().prefetch_related("fields", "offer_members")
        return selectors.active_templates().prefetch_related("offer_members")

    def get_object(self):
        template = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if template is None:
            raise DrfNotFound(_no_template())
        return template

    @extend_schema(summary="Create a template", request=serializers.TemplateSerializer, responses={201: serializers.TemplateSerializer})
    def create(self, request):
        template = services.template_create(request.user, **parse(serializers.TemplateSerializer, request.data))
        return Response(self.get_serializer(self._fresh(template)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a template", parameters=[ID], request=serializers.TemplateUpdateSerializer, responses={200: serializers.TemplateSerializer})
    def partial_update(self, request, pk=None):
        data = parse(serializers.TemplateUpdateSerializer, request.data)
        template = services.template_update(request.user, self.get_object(), **data)
        return Response(self.get_serializer(self._fresh(template)).data)

    def _fresh(self, template):
        return selectors.templates_overview().prefetch_related("fields", "offer_members").get(pk=template.pk)

    @extend_schema(summary="Add a field to a template", parameters=[ID], request=serializers.TemplateFieldSerializer,
                   responses={201: serializers.TemplateSerializer})
    @action(detail=True, methods=["post"], url_path="fields", url_name="fields")
    def add_field(self, request, pk=None):
        template = self.get_object()
        services.template_field_add(request.user, template, **parse(serializers.TemplateFieldSerializer, request.data))
        return Response(self.get_serializer(self._fresh(template)).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], summary="Change a template's field", request=serializers.TemplateFieldUpdateSerializer,
                   parameters=[ID, FIELD_ID], responses={200: serializers.TemplateSerializer})
    @extend_schema(methods=["DELETE"], summary="Remove a template's field", parameters=[ID, FIELD_ID],
                   request=None, responses={204: None})
    @action(detail=True, methods=["patch", "delete"], url_path=r"fields/(?P<field_id>[0-9]{1,9})", url_name="field")
    def field(self, request, pk=None, field_id=None):
        template = self.get_object()
        field = selectors.template_field(template.pk, int(field_id))
        if request.method == "DELETE":
            services.template_field_remove(request.user, field)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.template_field_update(request.user, field, **parse(serializers.TemplateFieldUpdateSerializer, request.data))
        return Response(self.get_serializer(self._fresh(template)).data)


def _no_template():
    return _("There is no such template.")


@extend_schema_view(
    list=extend_schema(summary="Access codes", parameters=[
        OpenApiParameter("search", str, description="Words in label, location, serial number or the typed code."),
        OpenApiParameter("state", str, enum=["active", "inactive"]),
    ]),
    retrieve=extend_schema(summary="An access code", parameters=[ID]),
)
class AccessCodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.AccessCodeSerializer
    pagination_class = ByLabel
    filter_backends: list = []
    lookup_value_regex = "[0-9]{1,9}"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not settings_rules.may(request.user, "codes"):
            self.permission_denied(request, message=_codes_refused())

    def get_queryset(self):
        query = parse(serializers.AccessCodeQuerySerializer, self.request.query_params)
        return selectors.access_codes(q=query["search"], state=query["state"])

    def get_object(self):
        return selectors.access_code_for_settings(self.kwargs["pk"])

    @extend_schema(summary="Create an access code", request=serializers.AccessCodeSerializer, responses={201: serializers.AccessCodeSerializer})
    def create(self, request):
        data = parse(serializers.AccessCodeSerializer, request.data)
        code = services.access_code_create(request.user, **data)
        return Response(self.get_serializer(selectors.access_code_for_settings(code.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an access code, or switch it on or off",
        parameters=[ID], request=serializers.AccessCodeUpdateSerializer, responses={200: serializers.AccessCodeSerializer},
    )
    def partial_update(self, request, pk=None):
        data = parse(serializers.AccessCodeUpdateSerializer, request.data)
        code = self.get_object()
        services.access_code_update(
            request.user, code,
            label=data.get("label", code.label), template=data.get("template", code.template),
            location=data.get("location", code.location), serial_number=data.get("serial_number", code.serial_number),
            is_active=data.get("is_active"), pin=data.get("pin", UNSET),
        )
        return Response(self.get_serializer(selectors.access_code_for_settings(code.pk)).data)

    @extend_schema(summary="The QR code as SVG", parameters=[ID],
                   responses={(200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The QR code to print.")})
    @action(detail=True, methods=["get"], url_path="qr.svg", url_name="qr-svg")
    def qr_svg(self, request, pk=None):
        return HttpResponse(qr_svg(access_code_url(self.get_object(), request)), content_type="image/svg+xml")

    @extend_schema(summary="The QR code as PNG", parameters=[ID],
                   responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The QR code to print.")})
    @action(detail=True, methods=["get"], url_path="qr.png", url_name="qr-png")
    def qr_png(self, request, pk=None):
        return HttpResponse(qr_png(access_code_url(self.get_object(), request)), content_type="image/png")


def _codes_refused():
    return _("Only who may see the access codes in the settings may use them here.")
