"""One-time links for organisations without a system of their own: sent once, by mail,
hashed (the page itself: tests/frontend_api/contractor/test_link_page.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backend.common.tokens import token_hash
from backend.contractors.links import assignment_link_send
from backend.contractors.models import AssignmentLink
from tests.contractors.conftest import offered, sent_link_token

pytestmark = pytest.mark.django_db


def test_offer_to_a_firm_without_integration_mails_a_hashed_scoped_link(link_firm, dispatcher):
    assignment = offered(link_firm, dispatcher)
    token = sent_link_token(assignment)
    message = mail.outbox[-1]
    assert message.to == ["werk@boomzorg.nl"]
    assert "bewoner@example.nl" not in message.body
    link = AssignmentLink.objects.get()
    assert link.assignment == assignment
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    assert link.expires_at > timezone.now() + timedelta(days=13)
    # Sent once: a retried task does not mail a second link.
    assert assignment_link_send(assignment_id=assignment.id) is None
    assert len(mail.outbox) == 1


def test_firms_with_a_webhook_get_no_link(api_firm, dispatcher):
    assignment = offered(api_firm, dispatcher)
    assert assignment_link_send(assignment_id=assignment.id) is None
    assert mail.outbox == []
