"""Token counting with tiktoken, strictly offline.

tiktoken downloads its BPE files on first use. postwright never lets it: it builds an
encoding only from a file already on disk — ``$TIKTOKEN_CACHE_DIR``/``$DATA_GYM_CACHE_DIR``,
tiktoken's default temp cache, or the copies litellm ships in its wheel — after checking the
file's SHA-256 itself (tiktoken would delete a mismatching file and fetch a new one).
Without a file, counts fall back to ``ceil(chars / 3)``: more conservative than the usual
chars/4 because JSON and code, which prompts are full of, run at ~3 characters a token.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# SHA-256 of the BPE files, as pinned in tiktoken_ext.openai_public.
_HASHES = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
DEFAULT_ENCODING = "o200k_base"
CHARS_PER_TOKEN = 3
_LOCK = threading.Lock()
_ENCODINGS: dict[str, Any] = {}


def _cache_dirs() -> Iterator[Path]:
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if os.environ.get(var):
            yield Path(os.environ[var])
    yield Path(tempfile.gettempdir()) / "data-gym-cache"
    spec = importlib.util.find_spec("litellm")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        yield Path(folder) / "litellm_core_utils" / "tokenizers"


def _local_file(name: str) -> Path | None:
    """A verified local copy of the BPE file of encoding ``name``."""
    key = hashlib.sha1(_URL.format(name).encode()).hexdigest()
    for folder in _cache_dirs():
        path = folder / key
        try:
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == _HASHES[name]:
                return path
        except OSError:
            continue
    return None


def _build(name: str) -> Any:
    """The tiktoken Encoding, or None when no verified file is on disk."""
    path = _local_file(name)
    if path is None:
        return None
    import tiktoken
    import tiktoken_ext.openai_public as public
    from tiktoken.load import load_tiktoken_bpe

    ranks = load_tiktoken_bpe(str(path), expected_hash=_HASHES[name])  # a plain path: no network
    # The pattern and special tokens come from tiktoken itself; only the ranks are swapped.
    real_loader = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda *a, **k: ranks
    try:
        spec = getattr(public, name)()
    finally:
        public.load_tiktoken_bpe = real_loader
    return tiktoken.Encoding(
        spec["name"], pat_str=spec["pat_str"], mergeable_ranks=ranks, special_tokens=spec["special_tokens"]
    )


def encoding_name(model: str) -> str:
    """tiktoken's encoding for an OpenAI model name; o200k_base for anything else."""
    import tiktoken.model

    try:
        name = tiktoken.model.encoding_name_for_model(model)
    except KeyError:
        return DEFAULT_ENCODING
    return name if name in _HASHES else DEFAULT_ENCODING


class TokenCounter:
    """Counts tokens for one model; ``exact`` says whether tiktoken or the estimate is used."""

    def __init__(self, model: str) -> None:
        self.encoding = encoding_name(model)
        with _LOCK:
            if self.encoding not in _ENCODINGS:
                _ENCODINGS[self.encoding] = _build(self.encoding)
        self._enc = _ENCODINGS[self.encoding]

    @property
    def exact(self) -> bool:
        return self._enc is not None

    def count(self, text: str) -> int:
        """Tokens in ``text`` (special-token text counted as plain text)."""
        if self._enc is None:
            return math.ceil(len(text) / CHARS_PER_TOKEN)
        return len(self._enc.encode(text, disallowed_special=()))
