"""The call page (staff) and its snapshots.

Skeleton: the real views replace these stubs.
"""

from django.http import Http404


def call_page(request, pk):
    raise Http404


def snapshot_upload(request, pk):
    raise Http404


def snapshot_image(request, session_pk, pk):
    raise Http404
