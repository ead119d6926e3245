"""Nothing of the article is lost: every sentence of the original article (kept beside the
topic in source/neuroplasticity/original/) is in the EPUB booklet's text; and that copy is
the project's record of where the content came from, never content itself."""
import hashlib
import re

from publisher.read import read_topic
from publisher.verify.text import epub_text, words

from conftest import ROOT, SEED, output

#: The SHA-256 of the article as it was received (source/neuroplasticity/original/README.md).
SEED_SHA256 = "1ac049eead615a48c1b188e6ae14bbd2b4791606078819bb3acd6ed8d5519adb"


def seed_sentences():
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("- "):
            line = line[2:]
        for sentence in re.split(r"(?<=[.!?])\s+", line):
            if words(sentence):
                yield sentence


def test_the_original_article_is_in_the_repository_unchanged():
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256
    provenance = (SEED.parent / "README.md").read_text(encoding="utf-8")
    assert SEED_SHA256 in provenance
    assert "Neuroplasticity and Mental Health: How the Brain Changes, Adapts, and Heals" in provenance
    assert SEED.read_text(encoding="utf-8").startswith(
        "Neuroplasticity and Mental Health: How the Brain Changes, Adapts, and Heals\n")


def test_every_seed_sentence_is_in_the_booklet(built):
    text = " " + " ".join(words(epub_text(output(built, "neuroplasticity", "booklet").read_bytes()))) + " "
    sentences = list(seed_sentences())
    assert len(sentences) > 200
    missing = [s for s in sentences if " " + " ".join(words(s)) + " " not in text]
    assert missing == []


def test_the_original_is_not_read_as_content():
    topic = read_topic(ROOT / "source" / "neuroplasticity")
    read_from = {str(s.source.file) for top in topic.sections for s in top.walk() if s.source}
    assert read_from and all("/sections/" in f for f in read_from), read_from
    assert not any("original" in f for f in read_from)
