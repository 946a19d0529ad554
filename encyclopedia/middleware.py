"""Site-wide request handling that no view should have to repeat: refusing NUL bytes, the client's address."""

import ipaddress

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import JsonResponse
from django.urls import reverse
from django.views.defaults import bad_request


def has_nul_byte(request):
    """Whether the path or any query parameter (name or value) holds a NUL byte, which PostgreSQL text refuses."""
    return "\x00" in request.path or any(
        "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
    )


class RejectNulBytesMiddleware:
    """Answer 400 to an address with a NUL byte: no page has one, and the database would fail on it (a 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul_byte(request):
            if request.path.startswith(reverse("api:index")):  # API clients read JSON, errors included
                return JsonResponse({"detail": "The address holds a NUL byte."}, status=400)
            return bad_request(request, SuspiciousOperation("NUL byte in the address"))
        return self.get_response(request)


def client_ip(request):
    """The client's address (for sign-in throttling): ``REMOTE_ADDR``, or behind trusted proxies the one they saw.

    Each of ``TRUSTED_PROXY_COUNT`` proxies appends the address it was called from to X-Forwarded-For, so the
    client's is that many entries from the right; anything further left is the client's own word.
    """
    forwarded = [address.strip() for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if settings.TRUSTED_PROXY_COUNT and len(forwarded) >= settings.TRUSTED_PROXY_COUNT:
        address = forwarded[-settings.TRUSTED_PROXY_COUNT]
        try:
            return str(ipaddress.ip_address(address))
        except ValueError:
            pass  # a proxy we were told to trust sent no address: fall back to the one that called us
    return request.META.get("REMOTE_ADDR")
