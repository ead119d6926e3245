"""Nothing of the article is lost: every sentence of the seed is in the EPUB booklet's text."""
import re

from publisher.verify.text import epub_text, words

from conftest import SEED, output


def seed_sentences():
    assert SEED.exists(), f"the source article is expected at {SEED}"
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("- "):
            line = line[2:]
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if words(sentence):
                yield sentence


def test_every_seed_sentence_is_in_the_booklet(built):
    text = " " + " ".join(words(epub_text(output(built, "neuroplasticity", "booklet").read_bytes()))) + " "
    sentences = list(seed_sentences())
    assert len(sentences) > 200
    missing = [s for s in sentences if " " + " ".join(words(s)) + " " not in text]
    assert missing == []
