"""Standard texts: administrators' texts for status changes, every write in the history."""

import pytest

from backend.accounts.models import User
from backend.accounts.services import user_create
from backend.common.errors import DomainValidationError
from backend.reports.models import StandardText, StandardTextRevision
from backend.reports.selectors_texts import standard_texts_by_status
from backend.reports.services import standard_text_remove, standard_text_save
from backend.reports.workflow import STATUS_TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return user_create(username="beheer", role=User.Role.ADMIN)


def test_written_changed_and_removed_each_leave_a_revision(admin):
    text = standard_text_save(
        by=admin, status="closed", title="Opgelost", text_nl="Het is opgelost.", text_en=""
    )
    standard_text_save(
        by=admin,
        text=text,
        status="closed",
        title="Opgelost",
        text_nl="  Het probleem is opgelost.  ",
        text_en="The problem is solved.",
    )
    text.refresh_from_db()
    assert (text.text_nl, text.text_en, text.updated_by) == (
        "Het probleem is opgelost.",
        "The problem is solved.",
        admin,
    )
    text_id = text.pk
    standard_text_remove(by=admin, text=text)
    assert not StandardText.objects.exists()
    history = list(StandardTextRevision.objects.order_by("id"))
    assert [(r.action, r.text_nl, r.by) for r in history] == [
        ("created", "Het is opgelost.", admin),
        ("changed", "Het probleem is opgelost.", admin),
        ("removed", "Het probleem is opgelost.", admin),
    ]
    assert {r.standard_text_id for r in history} == {text_id}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"title": "  "}, "title"),
        ({"text_nl": ""}, "text_nl"),
        ({"title": "x" * 81}, "title"),
        ({"text_en": "x" * 2001}, "text_en"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(admin, values, field):
    body = {"status": "in_progress", "title": "Ingepland", "text_nl": "We komen.", "text_en": ""}
    with pytest.raises(DomainValidationError) as raised:
        standard_text_save(by=admin, **{**body, **values})
    assert list(raised.value.errors) == [field]
    assert not StandardText.objects.exists() and not StandardTextRevision.objects.exists()


def test_a_title_is_unique_per_status(admin):
    body = {"title": "Ingepland", "text_nl": "We komen.", "text_en": ""}
    standard_text_save(by=admin, status="scheduled", **body)
    standard_text_save(by=admin, status="in_progress", **body)  # another status: fine
    with pytest.raises(DomainValidationError) as raised:
        standard_text_save(by=admin, status="scheduled", **body)
    assert list(raised.value.errors) == ["title"]
    assert StandardTextRevision.objects.count() == 2


def test_dispatchers_choose_the_texts_or_the_default_where_there_are_none(admin):
    standard_text_save(
        by=admin, status="closed", title="B: weg", text_nl="Weggehaald.", text_en="Removed."
    )
    standard_text_save(by=admin, status="closed", title="A: gemaakt", text_nl="Gerepareerd.")
    dutch = standard_texts_by_status("nl")
    assert dutch["closed"] == [("A: gemaakt", "Gerepareerd."), ("B: weg", "Weggehaald.")]
    assert dutch["in_progress"][0][1] == STATUS_TEXT["in_progress"]["nl"]
    # English where the administrator wrote it, Dutch where not.
    assert standard_texts_by_status("en")["closed"] == [
        ("A: gemaakt", "Gerepareerd."),
        ("B: weg", "Removed."),
    ]
