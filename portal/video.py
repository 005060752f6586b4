"""The code user's doors of video sessions: ask for one, call off one's own request, rate a finished
one, and the call page with its snapshots.

Skeleton: the real views replace these stubs.
"""

from django.http import Http404


def request_session(request, token, number):
    raise Http404


def transition(request, token, number, pk, name):
    raise Http404


def rate(request, token, number, pk):
    raise Http404


def call_page(request, token, number, pk):
    raise Http404


def snapshot_upload(request, token, number, pk):
    raise Http404


def snapshot_image(request, token, number, pk, snapshot):
    raise Http404
