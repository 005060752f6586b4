"""Staff pages of video sessions: create (plan or start now), steer (confirm, start, end, cancel).

Skeleton: the real views replace these stubs.
"""

from django.http import Http404


def create(request, number):
    raise Http404


def start_now(request, number):
    raise Http404


def transition(request, number, pk, name):
    raise Http404
