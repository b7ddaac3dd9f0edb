"""The sentence encoder against the reference implementation, and its place in the model."""

import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import FeatureUnion

from backend.classification import sentence_encoder, store
from backend.classification.evaluation import fit
from backend.classification.pipeline import SentenceEmbedding, build_pipeline

REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8")
)["cases"]
REFERENCE_CASES = 4  # data/README.md: four texts


@pytest.fixture(scope="module")
def float32_encoder() -> sentence_encoder.SentenceEncoder:
    return sentence_encoder.SentenceEncoder(
        sentence_encoder.model_dir(), max_tokens=512, quantized=False
    )


def test_the_installed_weights_are_the_upstream_ones():
    # The package is a third party's repackaging: its weights must be, byte for byte, the
    # file sentence-transformers publishes (the Hugging Face Hub's LFS SHA-256).
    assert sentence_encoder.encoder().weights_sha256 == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )


def test_tokenizer_matches_bert_uncased(float32_encoder):
    # Accents, apostrophes, emoji ([UNK]), "#", "...", a dash and a word of many pieces.
    assert len(REFERENCE) == REFERENCE_CASES
    for case in REFERENCE:
        assert float32_encoder.tokenizer.encode(case["text"]) == case["input_ids"], case["text"]


def test_float32_graph_reproduces_the_reference_embeddings(float32_encoder):
    assert len(REFERENCE) == REFERENCE_CASES
    for case in REFERENCE:
        ours = float32_encoder.encode(case["text"])
        assert ours.shape == (384,)
        assert abs(float(np.linalg.norm(ours)) - 1) < 1e-5
        assert float(ours @ np.array(case["embedding"])) > 0.9999, case["text"]


def test_quantized_encoder_stays_close_to_the_reference():
    encoder = sentence_encoder.encoder()
    assert len(REFERENCE) == REFERENCE_CASES
    similarities = [
        float(encoder.encode(case["text"]) @ np.array(case["embedding"])) for case in REFERENCE
    ]
    # int8 weights move each embedding a little (0.936-0.967 measured), never far.
    assert min(similarities) > 0.92, similarities


def test_embeddings_know_that_different_words_say_the_same_thing():
    encode = sentence_encoder.encoder().encode
    # Two pairs that share no word; each text is nearer its partner than any other text.
    pairs = [
        ("lamp post not working at night", "streetlight broken"),
        ("garbage bags piling up on the sidewalk", "trash everywhere near the bins"),
    ]
    others = ["loud music from the neighbours until 3am", "deep pothole in the road"]
    texts = [t for pair in pairs for t in pair] + others
    vectors = {t: encode(t) for t in texts}
    for a, b in pairs:
        partner = float(vectors[a] @ vectors[b])
        for text in texts:
            if text not in (a, b):
                assert partner > float(vectors[a] @ vectors[text]) + 0.15, (a, text)
                assert partner > float(vectors[b] @ vectors[text]) + 0.15, (b, text)


def test_long_texts_are_cut_to_max_tokens():
    tokenizer = sentence_encoder.encoder().tokenizer
    ids = tokenizer.encode("pothole " * 500)
    assert len(ids) == tokenizer.max_tokens == 32
    # Reading stops at the limit, and what was read is the text's start.
    text = "De lantaarnpaal is kapot, al weken! " * 300
    assert tokenizer.encode(text) == tokenizer.encode(text[:200])
    assert ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep
    assert tokenizer.encode("") == [tokenizer.cls, tokenizer.sep]
    assert sentence_encoder.encoder().encode("").shape == (384,)


def test_every_text_gets_its_embedding_scaled_by_the_weight():
    step = SentenceEmbedding(weight=2.0).fit(["x"])
    texts = ["huge pothole on the corner of my street", "dode boom in het plantsoen"]
    rows = step.transform(texts).toarray()
    assert rows.shape == (2, 384)
    for row, text in zip(rows, texts, strict=True):
        assert np.allclose(row, 2.0 * sentence_encoder.encoder().encode(text), atol=1e-6)


def test_a_model_refuses_an_encoder_other_than_its_own():
    step = SentenceEmbedding().fit(["x"])
    data, _ = store.artifact_dump(step)
    assert len(data) < 10_000  # the weights are not in the archive, only a fingerprint
    loaded = store.artifact_load(data)
    assert loaded.encoder_fingerprint_ == sentence_encoder.encoder().fingerprint
    assert loaded.transform(["pothole"]).shape == (1, 384)
    loaded.encoder_fingerprint_ = "0" * 64
    with pytest.raises(sentence_encoder.SentenceModelChanged, match="retrain"):
        loaded.transform(["pothole"])


def test_the_fingerprint_covers_weights_and_how_they_are_run(float32_encoder):
    int8 = sentence_encoder.encoder()
    assert float32_encoder.weights_sha256 == int8.weights_sha256
    assert len({float32_encoder.fingerprint, int8.fingerprint}) == 2


def test_missing_model_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTENCE_MODEL_DIR", str(tmp_path))
    with pytest.raises(sentence_encoder.SentenceModelMissing, match=r"model\.safetensors"):
        sentence_encoder.model_dir()


def test_the_pipeline_uses_the_encoder():
    assert "sentence" in dict(build_pipeline().named_steps["features"].transformer_list)


def _encode_into(queue, text):
    queue.put(sentence_encoder.encoder().encode(text))


def test_a_forked_process_encodes_with_a_session_of_its_own():
    # Celery's prefork parent loads the classifier before it forks: the child inherits a
    # session whose thread did not survive the fork, and waited on it forever.
    expected = sentence_encoder.encoder().encode("streetlight broken")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_encode_into, args=(queue, "streetlight broken"))
    child.start()
    try:
        child.join(30)
        assert child.exitcode == 0
        assert np.allclose(queue.get(timeout=5), expected)
    finally:
        if child.is_alive():
            child.kill()


def test_one_text_gets_the_same_features_with_the_encoder_in_the_background(three_categories):
    model = fit(
        build_pipeline(), [e.text for e in three_categories], [e.label for e in three_categories]
    )
    features = model.named_steps["features"]
    for texts in (["lantaarnpaal doet het niet"], ["kliko vol", "ratten in de tuin"]):
        background = features.transform(texts).toarray()
        in_turn = FeatureUnion.transform(features, texts).toarray()
        assert background.shape == in_turn.shape and np.allclose(background, in_turn)
        assert np.abs(background[:, -384:]).sum() > 0  # the embedding block is there
