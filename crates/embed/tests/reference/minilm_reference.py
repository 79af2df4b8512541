"""Independent reference vectors for hubscope-embed's test (tests/embeddings.rs).

A plain numpy forward pass of sentence-transformers/all-MiniLM-L6-v2 over the same files hubscope
reads (model.safetensors, tokenizer.json, sentence_bert_config.json), written from the BERT paper
and sentence-transformers' documented pipeline, not from hubscope's code or any HF library:
BERT basic tokenizer (lower case, accents stripped, punctuation and CJK split) + greedy WordPiece,
[CLS] ... [SEP] truncated to max_seq_length, embeddings + 6 post-LN encoder layers (exact erf
GELU), mean pooling over real tokens, L2 normalisation.

Run (numpy only):  python3 minilm_reference.py MODEL_DIR > minilm.json
Produced minilm.json with numpy 2.4.6, Python 3.11.7.
"""
import json
import math
import sys
import unicodedata

import numpy as np

SENTENCES = [
    "How do I load this model in 8-bit?",
    "Thanks for sharing, great work!",
    "The tokenizer.json file is missing: OSError when calling from_pretrained()",
    "Café résumé naïve — ÜBER straße",
    "",
    " ".join(["repeat"] * 300),
]


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":  # embeddings.position_ids, an I64 buffer, is not a weight
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + start : base + end], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        if is_cjk(cp):
            cleaned.append(" " + ch + " ")
        elif ch.isspace():
            cleaned.append(" ")
        else:
            cleaned.append(ch)
    text = "".join(cleaned).lower()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    words = []
    for word in text.split():
        current = ""
        for ch in word:
            if is_punct(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


def wordpiece(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


def layer_norm(x, w, b, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)).astype(np.float64))


def forward(ids, w, heads=12, layers=6):
    n = len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    hidden = x.shape[1]
    size = hidden // heads
    for i in range(layers):
        p = f"encoder.layer.{i}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q = lin(x, "attention.self.query").reshape(n, heads, size).transpose(1, 0, 2)
        k = lin(x, "attention.self.key").reshape(n, heads, size).transpose(1, 0, 2)
        v = lin(x, "attention.self.value").reshape(n, heads, size).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(1, 0, 2).reshape(n, hidden)
        x = layer_norm(lin(context, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        inner = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(inner, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x


def main(model_dir):
    tokenizer = json.load(open(f"{model_dir}/tokenizer.json"))
    vocab = tokenizer["model"]["vocab"]
    max_len = json.load(open(f"{model_dir}/sentence_bert_config.json"))["max_seq_length"]
    weights = load_safetensors(f"{model_dir}/model.safetensors")
    out = []
    for sentence in SENTENCES:
        pieces = [p for word in basic_tokens(sentence) for p in wordpiece(word, vocab)]
        ids = [vocab["[CLS]"]] + [vocab[p] for p in pieces][: max_len - 2] + [vocab["[SEP]"]]
        states = forward(ids, weights)
        pooled = states.mean(0)
        vector = pooled / np.linalg.norm(pooled)
        out.append({"text": sentence, "ids": ids, "vector": [round(float(v), 7) for v in vector]})
    json.dump({"model": "sentence-transformers/all-MiniLM-L6-v2", "max_seq_length": max_len, "sentences": out}, sys.stdout, indent=None)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
