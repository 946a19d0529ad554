"""What a hostile or clumsy client meets: the content policy, login throttling, strict input, the right answers."""

import datetime
import itertools
import logging

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration
from django.db.models import F
from django.urls import reverse

from disorders.models import Code
from encyclopedia.middleware import client_ip
from tests.conftest import make_staff
from tests.factories import make_classification, make_code, make_disorder, make_organization

READER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@pytest.fixture
def site(db):
    """One entry of each kind of reader page: an entry with a code, a classification, an organization."""
    disorder = make_disorder("Juvenile Myelomonocytic Leukemia", synonyms=["JMML"])
    make_code(disorder, Code.System.ORPHA, "86834")
    node = make_classification("Rare hematologic diseases")
    disorder.classifications.add(node)
    organization = make_organization("Müller Foundation", disorder=disorder, country="Switzerland")
    return {"disorder": disorder, "classification": node, "organization": organization}


def directives(policy):
    """A Content-Security-Policy header as {directive: sources}: the order of directives means nothing."""
    return dict(directive.strip().partition(" ")[::2] for directive in policy.split(";"))


def reader_urls(site):
    """Every kind of reader page, by its named URL."""
    return [
        reverse("home"),
        reverse("disclaimers"),
        reverse("sitemap"),
        reverse("robots"),
        reverse("disorders:index"),
        reverse("disorders:detail", args=[site["disorder"].slug]),
        reverse("disorders:detail-json", args=[site["disorder"].slug]),
        reverse("disorders:search") + "?q=leukemia",
        reverse("disorders:suggest") + "?q=leuk",
        reverse("disorders:updates-feed"),
        reverse("disorders:classification", args=[site["classification"].slug]),
        reverse("disorders:code", args=["ORPHA", "86834"]),
        reverse("resources:organizations"),
        reverse("resources:organization", args=[site["organization"].slug]),
    ]


# Content-Security-Policy


def test_every_reader_page_sends_the_strict_content_security_policy(client, site):
    for url in reader_urls(site):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert directives(response["Content-Security-Policy"]) == directives(READER_CSP), url


def test_error_pages_send_the_content_security_policy_too(client, db):
    response = client.get("/disorders/no-such-entry/")
    assert response.status_code == 404
    assert directives(response["Content-Security-Policy"]) == directives(READER_CSP)


def test_the_admin_runs_under_a_content_security_policy_without_inline_code(admin_client):
    for url in [reverse("admin:login"), reverse("admin:index"), reverse("admin:disorders_disorder_changelist")]:
        policy = directives(admin_client.get(url)["Content-Security-Policy"])
        assert policy["script-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in policy.get("style-src", "")


# Login throttling

LOCKOUT_FAILURES = 5


@pytest.fixture
def editor_account(django_user_model):
    return make_staff(django_user_model, "editor", "Editors")


def log_in(client, password, username="editor", **extra):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, **extra)


def test_wrong_passwords_lock_the_account_out_with_a_clear_429_page(client, editor_account):
    for _ in range(LOCKOUT_FAILURES - 1):
        assert log_in(client, "wrong").status_code == 200  # the form again, with its error
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "minutes" in locked.content.decode()
    # Now even the right password is refused until the cool-off has passed.
    assert log_in(client, "pw").status_code == 429


def test_thirty_wrong_passwords_in_a_row_do_not_pass(client, editor_account):
    answers = [log_in(client, f"guess-{n}").status_code for n in range(30)]
    assert answers.count(429) == 30 - LOCKOUT_FAILURES + 1


def test_the_lockout_ends_after_the_cool_off(client, editor_account, settings):
    for _ in range(LOCKOUT_FAILURES):
        log_in(client, "wrong")
    assert log_in(client, "pw").status_code == 429
    # The cool-off passes: the failures were that long ago.
    earlier = settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - earlier)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - earlier)
    assert log_in(client, "pw").status_code == 302


def test_a_successful_sign_in_resets_the_count_of_failures(client, editor_account):
    for _ in range(LOCKOUT_FAILURES - 1):
        log_in(client, "wrong")
    assert log_in(client, "pw").status_code == 302
    client.logout()
    for _ in range(LOCKOUT_FAILURES - 1):
        assert log_in(client, "wrong").status_code == 200
    assert log_in(client, "pw").status_code == 302


def test_a_lockout_is_per_user_and_address(client, editor_account, django_user_model):
    make_staff(django_user_model, "reviewer", "Reviewers")
    for _ in range(LOCKOUT_FAILURES):
        log_in(client, "wrong")
    assert log_in(client, "pw", username="reviewer").status_code == 302
    assert log_in(client, "pw", REMOTE_ADDR="192.0.2.7").status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, editor_account):
    for n in range(LOCKOUT_FAILURES):
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    # Rotating a header the client writes itself does not escape the lockout.
    assert log_in(client, "pw", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, editor_account, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LOCKOUT_FAILURES):
        # What the client claims (left) changes; what our proxy saw (right) does not.
        log_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.1")
    assert log_in(client, "pw", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Someone else behind the same proxy is not locked out.
    assert log_in(client, "pw", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


def test_a_trusted_proxy_that_sends_no_address_leaves_the_calling_address(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="unknown", REMOTE_ADDR="192.0.2.1")
    assert client_ip(request) == "192.0.2.1"
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 2001:db8::1", REMOTE_ADDR="192.0.2.1")
    assert client_ip(request) == "2001:db8::1"


# NUL bytes and numbers


@pytest.mark.parametrize("system", Code.System.values)
def test_a_nul_byte_in_a_code_is_a_bad_request_in_every_code_system(client, db, system):
    assert client.get(f"/codes/{system}/%00/").status_code == 400


@pytest.mark.parametrize(
    "url",
    ["/disorders/a%00b/", "/organizations/?country=%00", "/disorders/?letter=A%00", "/?x=%00", "/search/?q=%00"],
)
def test_a_nul_byte_anywhere_in_the_address_is_a_bad_request(client, db, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "-1", "1e3", " 1", "\u0661"])
def test_staff_pages_ignore_a_number_that_is_not_a_plain_number(client, superuser, value):
    client.force_login(superuser)
    disorder = make_disorder("Alpha")
    root = make_classification("Rare diseases")
    for url in [
        reverse("admin:disorders_disorder_changelist") + f"?tree={value}",
        reverse("recent_changes") + f"?entry_id={value}",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:disorders_disorder_changelist") + f"?tree={root.pk}").status_code == 200
    compare = reverse("admin:disorders_disorder_compare", args=[disorder.pk])
    for name in ["from", "to"]:
        assert client.get(f"{compare}?{name}={value}").status_code == 404


def test_a_search_refused_with_400_is_not_publicly_cacheable(client, db):
    response = client.get(reverse("disorders:search") + "?q=" + "x" * 1000)
    assert response.status_code == 400
    assert "public" not in response["Cache-Control"]
    suggest = client.get(reverse("disorders:suggest") + "?q=" + "x" * 1000)
    assert suggest.status_code == 400
    assert "public" not in suggest["Cache-Control"]


# Methods, redirects, logging


@pytest.mark.parametrize("method", ["post", "put", "delete", "options", "trace", "patch"])
def test_reader_pages_answer_only_get_and_head(client, site, method):
    for url in reader_urls(site):
        response = getattr(client, method)(url)
        assert response.status_code == 405, f"{method.upper()} {url}"
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}, url
    for url in reader_urls(site):
        assert client.head(url).status_code in (200, 302), url


def test_a_refused_next_after_sign_in_lands_on_the_admin_index(client, editor_account):
    response = client.post(
        reverse("admin:login") + "?next=https://evil.example/",
        {"username": "editor", "password": "pw", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_a_bad_host_is_logged_as_one_warning_without_a_traceback(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.security.DisallowedHost"):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    records = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].exc_info is None and records[0].exc_text is None


# Hostile input over every reader URL

HOSTILE_VALUES = [
    "%00",
    "a%00b",
    "%FF%FE",
    "%C3%28",
    "%ED%A0%80",
    "9" * 30,
    "-" + "9" * 30,
    "1e999",
    "%C2%B2",
    "%D9%A1",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%22%3E%3Cimg%20src=x%3E",
    "a%20%26%20!b%20%7C%20c:*",
    "%27%3B%20DROP%20TABLE%20x;--",
    "(((((",
    "%5C",
    "%0D%0ASet-Cookie:%20x=1",
    "x" * 300,
    "..%2F..%2Fetc%2Fpasswd",
    "%E2%80%AE",
]
QUERY_PARAMETERS = ["q", "page", "letter", "country", "region", "format"]


def hostile_requests(site):
    """Deterministic and bounded: every hostile value in every path slot, a third of them in every query parameter."""
    path_templates = [
        "/disorders/{}/",
        "/disorders/{}.json",
        "/classifications/{}/",
        "/organizations/{}/",
        "/codes/{}/86834/",
        *(f"/codes/{system}/{{}}/" for system in Code.System.values),
    ]
    for template, value in itertools.product(path_templates, HOSTILE_VALUES):
        yield template.format(value)
    pages = sorted({url.split("?")[0] for url in reader_urls(site)})
    for page, parameter, value in itertools.product(pages, QUERY_PARAMETERS, HOSTILE_VALUES[::3]):
        yield f"{page}?{parameter}={value}"


def test_hostile_input_on_every_reader_url_never_causes_a_server_error(client, site):
    client.raise_request_exception = False
    requests = list(hostile_requests(site))
    assert 300 <= len(requests) <= 1000
    failures = []
    for url in requests:
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {url}")
    assert failures == []
