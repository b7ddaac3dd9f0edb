import pytest

from backend.classification.corpus import Example, seed_examples
from backend.classification.predict import active_model

THREE = (
    "afval/container-is-vol",
    "wegen-verkeer-straatmeubilair/straatverlichting",
    "overlast-van-dieren/ratten",
)


@pytest.fixture(scope="session")
def three_categories() -> list[Example]:
    """A small, well-separated slice of the seed corpus: quick to train on."""
    return [e for e in seed_examples() if e.label in THREE]


@pytest.fixture(autouse=True)
def _fresh_model_cache(settings):
    # Every test sees the active version at once, and none leaks into the next test.
    settings.CLASSIFIER_RELOAD_SECONDS = 0
    active_model.forget()
    yield
    active_model.forget()


def trained_with_other_sentence_weights(version) -> None:
    """Rewrite a stored version as if it had been trained with another sentence encoder
    (other weights after a package upgrade, or another revision): it then refuses to run."""
    from backend.classification import store

    model = store.artifact_load(bytes(version.artifact))
    dict(model.named_steps["features"].transformer_list)["sentence"].encoder_fingerprint_ = "0" * 64
    version.artifact, _ = store.artifact_dump(model)
    version.save(update_fields=["artifact"])
