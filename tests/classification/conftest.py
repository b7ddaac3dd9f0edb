import pytest


@pytest.fixture(autouse=True)
def _fresh_model_cache(fresh_model_cache) -> None:
    """tests/conftest.py's fresh_model_cache, for every classification test (the slice of the
    seed corpus to train on, three_categories, is there too: the API tests share both)."""


def trained_with_other_sentence_weights(version) -> None:
    """Rewrite a stored version as if it had been trained with another sentence encoder
    (other weights after a package upgrade, or another revision): it then refuses to run."""
    from backend.classification import store

    model = store.artifact_load(bytes(version.artifact))
    dict(model.named_steps["features"].transformer_list)["sentence"].encoder_fingerprint_ = "0" * 64
    version.artifact, _ = store.artifact_dump(model)
    version.save(update_fields=["artifact"])
