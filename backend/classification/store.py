"""Saving and loading fitted models without executing code on load."""

import hashlib
import zipfile
from typing import Any

import skops.io as sio

from . import sentence_encoder, wordnet

# Our own types in a stored model; everything else must be a type skops trusts by default
# (scikit-learn, numpy, scipy). Anything else in an archive is refused.
_OWN_TYPES = [
    "backend.classification.pipeline.FeatureBlocks",
    "backend.classification.pipeline.SentenceEmbedding",
    "backend.classification.pipeline.StemmedWords",
    "backend.classification.pipeline.TemperatureScaledSVM",
    "backend.classification.pipeline.WordNetConcepts",
]


class UntrustedArtifact(Exception):
    pass


# What keeps a stored version from running in this process, though it was fine when trained.
CANNOT_RUN: tuple[type[Exception], ...] = (
    UntrustedArtifact,
    sentence_encoder.SentenceModelChanged,
    sentence_encoder.SentenceModelMissing,
    wordnet.WordNetMissing,
)


def artifact_dump(model: Any) -> tuple[bytes, str]:
    # Deflated: the vocabularies and coefficients shrink to about a sixth.
    data = sio.dumps(model, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    return data, hashlib.sha256(data).hexdigest()


def artifact_load(data: bytes) -> Any:
    untrusted = [t for t in sio.get_untrusted_types(data=data) if t not in _OWN_TYPES]
    if untrusted:
        raise UntrustedArtifact(f"refusing to load types: {', '.join(untrusted)}")
    return sio.loads(data, trusted=_OWN_TYPES)
