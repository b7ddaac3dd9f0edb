"""The staff classifier API: versions, activation, live accuracy."""

import pytest
from rest_framework.test import APIClient

from backend.classification.models import ClassifierModel
from backend.classification.services import classifier_train
from backend.reports.actors import ActorRef
from backend.reports.services import report_update
from backend.taxonomy.selectors import category_by_path
from tests.conftest import DAM, THREE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_model_cache")]
BASE = "/api/v1/staff/classifier/"


def test_versions_are_listed_with_their_metrics(staff_client, three_categories):
    trained = classifier_train(examples=three_categories).model
    body = staff_client.get(f"{BASE}versions/").json()
    assert [v["version"] for v in body] == [trained.version]
    assert body[0]["is_active"] and body[0]["metrics"]["sub"]["macro_f1"] > 0.9
    assert "artifact" not in body[0]


def test_only_administrators_activate_a_version(staff_client, admin_client, three_categories):
    first = classifier_train(examples=three_categories).model
    second = classifier_train(examples=three_categories).model
    url = f"{BASE}versions/{first.id}/activate/"
    assert staff_client.post(url).status_code == 403
    response = admin_client.post(url)
    assert response.status_code == 200 and response.json()["is_active"]
    assert ClassifierModel.objects.get(is_active=True) == first
    second.refresh_from_db()
    assert not second.is_active
    assert admin_client.post(f"{BASE}versions/999999/activate/").status_code == 404
    assert APIClient().get(f"{BASE}versions/").status_code == 401


def test_live_accuracy_counts_the_suggestions_dispatchers_changed(
    staff_client, public_client, three_categories
):
    classifier_train(examples=three_categories)
    ids = []
    for text in ("De lantaarnpaal doet het niet", "Straatlantaarn kapot", "Lamp brandt niet"):
        response = public_client.post(
            "/api/v1/public/reports/", {"text": text, "lat": DAM[0], "lon": DAM[1]}, format="json"
        )
        assert response.json()["category"]["slug"] == THREE[1]
        ids.append(response.json()["id"])
    report_update(
        report_id=ids[0],
        actor=ActorRef.staff(None),
        category=category_by_path("wegen-verkeer-straatmeubilair/verkeerslicht"),
    )
    rows = staff_client.get(f"{BASE}live-accuracy/").json()
    assert rows == [
        {"slug": THREE[1], "applied": 3, "changed": 1, "verified": 1, "share_changed": 0.3333}
    ]
